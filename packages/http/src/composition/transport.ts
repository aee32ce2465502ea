import { chmodSync, mkdirSync } from "node:fs";
import { resolve } from "node:path";
import { activeContacts, type Clock, type Logger, type Transport } from "@relance/core";
import type { StorageBackend } from "@relance/adapters";
import { SandboxTransport, type ManualClock, type SessionCipher } from "@relance/adapters";
import type { ServiceConfig } from "../config/env.js";
import { WWEBJS_CLOSE_LIMITS } from "../config/shutdown.js";

export interface TransportDependencies {
  config: ServiceConfig;
  storage: StorageBackend;
  clock: Clock;
  cipher: SessionCipher;
  logger: Logger;
  instanceId: string;
}

/**
 * `RELANCE_TRANSPORT`: the real libraries are loaded only when chosen (Baileys' WebAssembly,
 * puppeteer), so a sandbox or Baileys deployment never pays for the other.
 */
export async function createTransport(deps: TransportDependencies): Promise<Transport> {
  const { config, storage, clock, cipher, logger, instanceId } = deps;
  const common = {
    sessions: storage.sessions,
    leases: storage.leases,
    cipher,
    clock,
    logger,
    instanceId,
    maxSessions: config.RELANCE_MAX_CONCURRENT_SESSIONS,
    idleTimeoutMs: config.RELANCE_SESSION_IDLE_MS,
  };
  switch (config.RELANCE_TRANSPORT) {
    case "sandbox":
      return new SandboxTransport({ clock: clock as ManualClock });
    case "baileys": {
      const { createBaileysTransport } = await import("@relance/adapters/baileys");
      return createBaileysTransport({
        ...common,
        media: { allowHosts: config.RELANCE_MEDIA_ALLOW_HOSTS },
        ...(config.RELANCE_MAX_SESSIONS_HARD ? { hardMaxSessions: config.RELANCE_MAX_SESSIONS_HARD } : {}),
      });
    }
    case "wwebjs": {
      const { createWwebjsTransport, webVersionPin } = await import("@relance/adapters/wwebjs");
      const dataPath = wwebjsDataPath(config.RELANCE_DATA_DIR);
      return createWwebjsTransport({
        ...common,
        maxSessions: config.RELANCE_WWEBJS_MAX_SESSIONS,
        mediaAllowHosts: config.RELANCE_MEDIA_ALLOW_HOSTS,
        linkWaitMs: config.RELANCE_LINK_WAIT_MS,
        chromiumPath: config.CHROMIUM_PATH,
        dataPath,
        backupIntervalMs: config.RELANCE_WWEBJS_BACKUP_INTERVAL_MS,
        // Closing fits the shutdown budget (SIGTERM), final backup included.
        ...WWEBJS_CLOSE_LIMITS,
        webVersion: webVersionPin(
          {
            ...(config.RELANCE_WWEBJS_WEB_VERSION ? { version: config.RELANCE_WWEBJS_WEB_VERSION } : {}),
            source: config.RELANCE_WWEBJS_WEB_VERSION_SOURCE,
            ...(config.RELANCE_WWEBJS_WEB_VERSION_URL ? { url: config.RELANCE_WWEBJS_WEB_VERSION_URL } : {}),
            strict: config.RELANCE_WWEBJS_WEB_VERSION_STRICT,
            ...(config.RELANCE_WWEBJS_WEB_VERSION_SHA256 ? { sha256: config.RELANCE_WWEBJS_WEB_VERSION_SHA256 } : {}),
          },
          dataPath,
        ),
        activeContacts: (referrerUserId) => activeContacts(storage, referrerUserId),
      });
    }
  }
}

/**
 * whatsapp-web.js' working directory (profiles, backups, the cached WhatsApp Web page every
 * session runs): under the data directory, owner-only. Under a shared temporary directory,
 * another local user could create it first and plant the page (security review 2, L11).
 */
export function wwebjsDataPath(dataDir: string): string {
  const path = resolve(dataDir, "wwebjs");
  mkdirSync(path, { recursive: true, mode: 0o700 });
  chmodSync(path, 0o700);
  return path;
}
