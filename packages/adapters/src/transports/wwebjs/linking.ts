import { phoneDigits, type E164, type LinkMethod, type LinkState } from "@relance/core";
import { listen } from "./client-events.js";
import type { WwebjsClient } from "./client-factory.js";
import { prepareDataPath } from "./data-path.js";
import { deferred } from "./deferred.js";
import { describe, initFailureState } from "./events.js";
import { Inbox } from "./inbox.js";
import { closeLive, endLive } from "./lifecycle.js";
import { LinkEnded, RESTORE_REFUSED_REASON, RestoreRefused, type Live, type Purpose } from "./live.js";
import { createRemoteAuthStore } from "./remote-auth-store.js";
import type { WwebjsRuntime } from "./runtime.js";
import { clientIdOf, sessionIdOf } from "./session-ids.js";

/** Opens a client through the pool; resolves with the first state worth showing. */
export async function openSession(rt: WwebjsRuntime, referrerUserId: string, purpose: Purpose): Promise<LinkState> {
  try {
    const acquiring = rt.pool.acquire(referrerUserId, () => start(rt, referrerUserId, purpose));
    acquiring.then(
      (live) => live.pooled.resolve(true),
      () => undefined,
    );
    await acquiring;
  } catch (error) {
    if (error instanceof RestoreRefused) return afterRestoreRefused(rt, referrerUserId, purpose);
    if (error instanceof LinkEnded) return rt.getState(referrerUserId);
    throw error;
  }
  return rt.getState(referrerUserId);
}

/** Whether `connect` finds the link it is asked for already under way (same method, same phone). */
export function isLinkInProgress(live: Live, options: { method: LinkMethod; phone?: E164 }, state: LinkState): boolean {
  if (live.purpose.kind !== "link" || live.ready || live.purpose.method !== options.method) return false;
  if (options.method === "pairing_code" && live.purpose.phone !== (options.phone ?? null)) return false;
  return state.status === "pending_qr" || state.status === "pending_pairing" || state.status === "connecting";
}

/**
 * The newest backup was refused: the one before it is tried. When none is left the referrer
 * must link again; the stored session is kept (only a logout deletes it) but not restored again.
 */
async function afterRestoreRefused(rt: WwebjsRuntime, referrerUserId: string, purpose: Purpose): Promise<LinkState> {
  if (purpose.kind === "restore" && purpose.generation === undefined && (await previousBackupOf(rt, referrerUserId))) {
    rt.logger.warn({ referrerUserId }, "whatsapp-web.js refused the newest session backup: trying the previous one");
    return openSession(rt, referrerUserId, { kind: "restore", generation: "previous" });
  }
  await rt.bookOf(referrerUserId).setRestoreRefused(rt.clock.now());
  rt.setState(referrerUserId, { status: "logged_out", phone: null, reason: RESTORE_REFUSED_REASON });
  return rt.getState(referrerUserId);
}

async function previousBackupOf(rt: WwebjsRuntime, referrerUserId: string): Promise<boolean> {
  const probe = createRemoteAuthStore({
    sessions: rt.sessions,
    cipher: rt.cipher,
    sessionId: sessionIdOf(referrerUserId),
    sessionName: `RemoteAuth-${clientIdOf(referrerUserId)}`,
    dataPath: rt.dataPath,
  });
  return probe.hasPrevious().catch(() => false);
}

/** Called by the pool once this process holds the lease. */
async function start(rt: WwebjsRuntime, referrerUserId: string, purpose: Purpose): Promise<Live> {
  await prepareDataPath(rt.dataPath, rt.logger);
  const sessionId = sessionIdOf(referrerUserId);
  const clientId = clientIdOf(referrerUserId);
  const { phone } = rt.getState(referrerUserId);
  // Under the lease, before the client starts: what an earlier run (any process) surfaced and the
  // engine never acknowledged is handed over, so that it is handled before a send.
  await rt.journals.replay(referrerUserId).catch((error: unknown) => rt.logger.error({ referrerUserId, err: describe(error) }, "whatsapp-web.js inbound journal could not be read"));
  const store = createRemoteAuthStore({
    sessions: rt.sessions,
    cipher: rt.cipher,
    sessionId,
    sessionName: `RemoteAuth-${clientId}`,
    dataPath: rt.dataPath,
    ...(purpose.kind === "restore" && purpose.generation ? { generation: purpose.generation } : {}),
    logger: rt.logger,
  });
  const webVersion = rt.webBuild.get();
  let client: WwebjsClient;
  try {
    client = rt.createClient({
      referrerUserId,
      clientId,
      store,
      dataPath: rt.dataPath,
      chromiumPath: rt.chromiumPath,
      chromiumArgs: rt.chromiumArgs,
      ...(rt.options.backupIntervalMs === undefined ? {} : { backupIntervalMs: rt.options.backupIntervalMs }),
      webVersion,
      logger: rt.logger,
      ...(purpose.kind === "link" && purpose.method === "pairing_code" && purpose.phone
        ? { pairWithPhoneNumber: { phoneNumber: phoneDigits(purpose.phone) } }
        : {}),
    });
  } catch (error) {
    const state: LinkState = { status: "failed", phone, reason: `WhatsApp Web could not be started: ${describe(error)}` };
    rt.setState(referrerUserId, state);
    throw new LinkEnded(state);
  }

  let resolvePooled!: (pooled: boolean) => void;
  const pooled = new Promise<boolean>((resolve) => (resolvePooled = resolve));
  const live: Live = {
    referrerUserId,
    purpose,
    client,
    store,
    webVersion: webVersion.version,
    inbox: new Inbox({
      referrerUserId,
      client,
      book: rt.bookOf(referrerUserId),
      clock: rt.clock,
      logger: rt.logger,
      ...(rt.options.activeContacts ? { activeContacts: rt.options.activeContacts } : {}),
      messagesPerChat: rt.options.catchUpMessagesPerChat ?? 50,
      firstLookbackMs: rt.options.catchUpFirstLookbackMs ?? 7 * 24 * 3600_000,
      emit: (reply) =>
        rt.journals.accept(referrerUserId, [reply]).catch((error: unknown) => {
          rt.logger.error({ referrerUserId, err: describe(error) }, "whatsapp-web.js reply could not be journaled: handed over without a replay if it is lost");
        }),
      isOpen: () => rt.isCurrent(live),
    }),
    firstState: deferred(),
    pooled: { promise: pooled, resolve: resolvePooled },
    initializing: true,
    ready: false,
    caughtUp: false,
    ended: false,
    qrSequence: 0,
    closing: null,
    close: () => closeLive(rt, live),
  };
  rt.current.set(referrerUserId, live);
  listen(rt, live);
  rt.setState(referrerUserId, { status: "connecting", phone });

  // Up to `ready`: the catch-up that follows has its own limit. A restore gets longer (a heavy
  // account after hours offline syncs first), and each new percentage of WhatsApp Web's loading
  // screen (Client.js:379-389) starts its limit again: only a stalled sync ends it.
  const limitMs = purpose.kind === "restore" ? rt.restoreTimeoutMs : rt.initTimeoutMs;
  const arm = () =>
    setTimeout(() => {
      if (!live.ready) endLive(rt, live, timeoutState(purpose, phone, limitMs));
    }, limitMs);
  let timer = arm();
  if (purpose.kind === "restore") {
    client.on("loading_screen", () => {
      if (live.ready || live.firstState.settled || !rt.isCurrent(live)) return;
      clearTimeout(timer);
      timer = arm();
    });
  }
  const initialization = (async () => client.initialize())();
  initialization
    .catch((error: unknown) => {
      if (error === "auth timeout" || error === "ready timeout") rt.webBuild.failedToLoad(webVersion.version);
      endLive(rt, live, initFailureState(error, phone));
    })
    .finally(() => (live.initializing = false));
  try {
    await live.firstState.promise;
  } catch (error) {
    live.pooled.resolve(false);
    await closeLive(rt, live);
    throw error;
  } finally {
    clearTimeout(timer);
  }
  return live;
}

function timeoutState(purpose: Purpose, phone: E164 | null, limitMs: number): LinkState {
  const limit = limitMs < 1000 ? `${limitMs} ms` : `${Math.round(limitMs / 1000)} s`;
  const reason =
    purpose.kind === "restore"
      ? `the stored session did not become ready within ${limit}`
      : `WhatsApp Web showed no QR code, pairing code or session within ${limit}: check that this server can reach web.whatsapp.com`;
  return { status: "failed", phone, reason };
}
