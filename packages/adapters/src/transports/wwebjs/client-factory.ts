import { join } from "node:path";
import type { Logger } from "@relance/core";
import { createGuardedRemoteAuth } from "./guarded-remote-auth.js";
import { Client, type Chat, type ClientInfo } from "./library.js";
import type { RemoteAuthStore } from "./remote-auth-store.js";

/**
 * The part of whatsapp-web.js's `Client` the transport uses, with the library's own signatures
 * (typed `on` overloads included): a test double must match them to compile.
 */
export type WwebjsClient = Pick<
  Client,
  | "initialize"
  | "destroy"
  | "logout"
  | "on"
  | "removeAllListeners"
  | "getNumberId"
  | "getContactLidAndPhone"
  | "sendMessage"
  | "pupBrowser"
> & {
  /** Set by the library once `ready` (declared non-optional, but undefined before). */
  readonly info: Pick<ClientInfo, "wid"> | undefined;
  getChatById(chatId: string): Promise<Pick<Chat, "sendStateTyping">>;
};

export interface WwebjsClientOptions {
  referrerUserId: string;
  /** RemoteAuth client id (`[-_\w]+`); the session is `RemoteAuth-<clientId>`. */
  clientId: string;
  store: RemoteAuthStore;
  /** RemoteAuth's working directory (profile, zip files) and the WhatsApp Web version cache. */
  dataPath: string;
  chromiumPath: string;
  /** Appended to {@link CHROMIUM_ARGS}. */
  chromiumArgs?: readonly string[];
  /** Link by pairing code for this number (digits with country code, no `+`) instead of a QR. */
  pairWithPhoneNumber?: { phoneNumber: string };
  logger: Logger;
}

export type CreateWwebjsClient = (options: WwebjsClientOptions) => WwebjsClient;

/** RemoteAuth's periodic backup; it refuses less than a minute. */
export const BACKUP_INTERVAL_MS = 5 * 60_000;

export const CHROMIUM_ARGS: readonly string[] = [
  "--no-sandbox",
  "--disable-setuid-sandbox",
  "--disable-gpu",
  "--disable-dev-shm-usage",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-quic",
];

/** A real whatsapp-web.js client: one headless Chromium, its session kept by RemoteAuth in storage. */
export const createRealWwebjsClient: CreateWwebjsClient = (options) => {
  const { logger } = options;
  const client = new Client({
    authStrategy: createGuardedRemoteAuth({
      store: options.store,
      clientId: options.clientId,
      dataPath: options.dataPath,
      backupSyncIntervalMs: BACKUP_INTERVAL_MS,
      logger,
    }),
    puppeteer: { executablePath: options.chromiumPath, headless: true, args: [...CHROMIUM_ARGS, ...(options.chromiumArgs ?? [])] },
    // The default cache path is relative to the working directory: it would write into the repo.
    webVersionCache: { type: "local", path: join(options.dataPath, "web-version-cache") },
    ...(options.pairWithPhoneNumber ? { pairWithPhoneNumber: { phoneNumber: options.pairWithPhoneNumber.phoneNumber, showNotification: true } } : {}),
  });
  ignoreInjectFailuresAfterClose(client, logger, options.referrerUserId);
  if (options.pairWithPhoneNumber) catchPairingCodeFailures(client, logger, options.referrerUserId);
  return client;
};

/**
 * With `pairWithPhoneNumber`, `inject()` calls `requestPairingCode` without awaiting or catching
 * it: a refused number or a closed page would be an unhandled rejection. The failure is logged;
 * no code arrives, and the transport's start-up limit reports the link as failed.
 */
function catchPairingCodeFailures(client: Client, logger: Logger, referrerUserId: string): void {
  const requestPairingCode = client.requestPairingCode.bind(client);
  client.requestPairingCode = (...args) =>
    requestPairingCode(...args).catch((error: unknown) => {
      logger.warn({ referrerUserId, err: String(error) }, "whatsapp-web.js could not get a pairing code");
      return "";
    });
}

/**
 * After a logout the library re-runs `inject()` from an un-awaited page listener: once we close
 * the browser, that rejects with nobody to catch it, an unhandled rejection that ends a Node
 * process. Failures after our own destroy/logout are expected: they are logged, not thrown.
 */
function ignoreInjectFailuresAfterClose(client: Client, logger: Logger, referrerUserId: string): void {
  const internals = client as unknown as { inject(): Promise<void> };
  const inject = internals.inject.bind(client);
  const destroy = client.destroy.bind(client);
  const logout = client.logout.bind(client);
  let closing = false;
  internals.inject = async () => {
    try {
      await inject();
    } catch (error) {
      if (!closing) throw error;
      logger.debug({ referrerUserId, err: String(error) }, "whatsapp-web.js page setup interrupted by close");
    }
  };
  client.destroy = () => {
    closing = true;
    return destroy();
  };
  client.logout = () => {
    closing = true;
    return logout();
  };
}
