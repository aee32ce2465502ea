import type { Clock, Logger, RelanceStorage, Transport } from "@relance/core";
import { SandboxTransport, type ManualClock, type SessionCipher } from "@relance/adapters";
import type { ServiceConfig } from "../config/env.js";

export interface TransportDependencies {
  config: ServiceConfig;
  storage: RelanceStorage;
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
      return createBaileysTransport(common);
    }
    case "wwebjs": {
      const { createWwebjsTransport } = await import("@relance/adapters/wwebjs");
      return createWwebjsTransport({ ...common, chromiumPath: config.CHROMIUM_PATH });
    }
  }
}
