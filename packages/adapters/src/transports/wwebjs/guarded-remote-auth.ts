import { rm } from "node:fs/promises";
import { join } from "node:path";
import { silentLogger, type Logger } from "@relance/core";
import { RemoteAuth } from "./library.js";
import type { RemoteAuthStore } from "./remote-auth-store.js";

/** RemoteAuth waits this long after the first `ready` before its first backup (hard-coded there). */
export const INITIAL_BACKUP_DELAY_MS = 60_000;

export interface GuardedRemoteAuthOptions {
  store: RemoteAuthStore;
  clientId: string;
  dataPath: string;
  /** At least 60 000 (RemoteAuth refuses less). */
  backupSyncIntervalMs: number;
  logger?: Logger;
}

/** What RemoteAuth has at run time beyond its declarations. */
interface RemoteAuthInternals {
  storeRemoteSession(options?: { emit?: boolean }): Promise<void>;
  afterAuthReady: () => Promise<void>;
  destroy: () => Promise<void>;
  disconnect: () => Promise<void>;
}

/**
 * RemoteAuth with its timers made stoppable. As shipped, `afterAuthReady` (not awaited by the
 * client) sleeps 60 s on a timer nothing can cancel and then starts a backup `setInterval`: a
 * client destroyed during those 60 s still backs up its closed profile afterwards, and keeps an
 * interval that no one clears and that holds the process open. Here the wait and the interval end
 * with `destroy`/`disconnect`.
 *
 * `destroy` also backs the profile up one last time once Chromium is closed (a consistent copy)
 * when the session is past RemoteAuth's stabilisation delay or was itself restored, then deletes
 * the unencrypted profile from disk.
 */
export function createGuardedRemoteAuth(options: GuardedRemoteAuthOptions): RemoteAuth {
  const { store, clientId, dataPath, backupSyncIntervalMs } = options;
  const logger = options.logger ?? silentLogger;
  const auth = new RemoteAuth({ store, clientId, dataPath, backupSyncIntervalMs });
  const internals = auth as unknown as RemoteAuthInternals;
  const sessionName = `RemoteAuth-${clientId}`;
  const profileDir = join(dataPath, sessionName);
  const libraryDisconnect = internals.disconnect.bind(auth);

  let stopped = false;
  let stableAt: number | null = null;
  let pendingWait: { timer: NodeJS.Timeout; resolve: (elapsed: boolean) => void } | null = null;
  let interval: NodeJS.Timeout | null = null;
  let backups: Promise<void> = Promise.resolve();

  const wait = (ms: number) =>
    new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        pendingWait = null;
        resolve(true);
      }, ms);
      timer.unref();
      pendingWait = { timer, resolve };
    });

  const backup = (emit = false) => {
    backups = backups.then(() =>
      internals.storeRemoteSession({ emit }).catch((error: unknown) => {
        logger.warn({ clientId, err: String(error) }, "whatsapp-web.js session backup failed");
      }),
    );
    return backups;
  };

  const stop = () => {
    stopped = true;
    if (pendingWait) {
      clearTimeout(pendingWait.timer);
      pendingWait.resolve(false);
      pendingWait = null;
    }
    if (interval) clearInterval(interval);
    interval = null;
  };

  internals.afterAuthReady = async () => {
    // The library calls this on every `ready`, and WhatsApp Web can be ready again after a
    // reconnection: a second run would start a second backup interval.
    if (stableAt !== null || stopped) return;
    const readyAt = Date.now();
    stableAt = readyAt + INITIAL_BACKUP_DELAY_MS;
    const restored = await store.sessionExists({ session: sessionName });
    stableAt = restored ? readyAt : readyAt + INITIAL_BACKUP_DELAY_MS;
    if (!restored) {
      if (!(await wait(INITIAL_BACKUP_DELAY_MS)) || stopped) return;
      await backup(true);
    }
    if (stopped) return;
    interval = setInterval(() => void backup(), backupSyncIntervalMs);
    interval.unref();
  };

  internals.destroy = async () => {
    const stable = stableAt !== null && Date.now() >= stableAt;
    stop();
    if (stable) await backup();
    await rm(profileDir, { recursive: true, force: true, maxRetries: 4 }).catch((error: unknown) => {
      logger.warn({ clientId, err: String(error) }, "could not delete the whatsapp-web.js profile directory");
    });
  };

  // Also reached from the library's un-awaited logout listener: a failure here must not become an
  // unhandled rejection (the transport deletes the stored session itself on a logout).
  internals.disconnect = async () => {
    stop();
    await libraryDisconnect().catch((error: unknown) => {
      logger.warn({ clientId, err: String(error) }, "whatsapp-web.js could not clean up after a disconnection");
    });
  };

  return auth;
}
