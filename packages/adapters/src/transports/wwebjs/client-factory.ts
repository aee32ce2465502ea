import { createHash } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { Logger } from "@relance/core";
import { createGuardedRemoteAuth } from "./guarded-remote-auth.js";
import { Client, type Chat, type ClientInfo, type WebCacheOptions } from "./library.js";
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
  | "getState"
  | "getContactLidAndPhone"
  | "sendMessage"
  | "pupBrowser"
  | "sendPresenceAvailable"
  | "sendPresenceUnavailable"
> & {
  /** Set by the library once `ready` (declared non-optional, but undefined before). */
  readonly info: Pick<ClientInfo, "wid"> | undefined;
  getChatById(chatId: string): Promise<Pick<Chat, "sendStateTyping" | "clearState">>;
  /** Every chat WhatsApp Web holds (Client.js:1668-1674); reading them marks nothing read. */
  getChats(): Promise<Array<Pick<Chat, "id" | "isGroup" | "unreadCount" | "timestamp" | "fetchMessages">>>;
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
  /** RemoteAuth's periodic backup of the live profile (at least 60 000). Default {@link BACKUP_INTERVAL_MS}. */
  backupIntervalMs?: number;
  /** WhatsApp Web build to load, and where its page comes from; see {@link WebVersionPin}. */
  webVersion?: WebVersionPin;
  logger: Logger;
}

/**
 * The WhatsApp Web build a client loads. whatsapp-web.js injects into whatever page
 * web.whatsapp.com serves unless a cache serves the requested build (Client.js:1239-1270): a new
 * WhatsApp Web release can then break injection ("auth timeout"). `latest` follows
 * web.whatsapp.com; otherwise `version` is served from `cache`.
 */
export type WebVersionPin =
  | { version: "latest" }
  | {
      version: string;
      cache: WebCacheOptions;
      /**
       * With a local cache: where to fetch `<version>.html` from (`{version}` replaced) when it is
       * not cached yet, once, with a time limit. The library's own remote cache has none
       * (RemoteWebCache.js uses node-fetch bare): a blocked host would hang every start.
       */
      fetchFrom?: string;
      /**
       * SHA-256 (hex) of `<version>.html`: a page with another hash, fetched or found in the cache,
       * is refused (deleted, never served), so a compromised archive or a planted file cannot run
       * script in the sessions (security review 2, L11).
       */
      sha256?: string;
    };

/**
 * The build whatsapp-web.js 1.34.7 ships as its default (Constants.js:10), the one its release
 * was tested against; a test fails when the library is upgraded without looking at it again.
 */
export const PINNED_WEB_VERSION = "2.3000.1017054665";
/** Archive of WhatsApp Web builds the library's own docs point to; `{version}` is replaced. */
export const WEB_VERSION_ARCHIVE_URL = "https://raw.githubusercontent.com/wppconnect-team/wa-version/main/html/{version}.html";

export type CreateWwebjsClient = (options: WwebjsClientOptions) => WwebjsClient;

/**
 * RemoteAuth's periodic backup (it refuses less than a minute). It zips the profile of a running
 * Chromium, so a copy can be torn: rarely is better, and the store keeps the previous generation.
 */
export const BACKUP_INTERVAL_MS = 20 * 60_000;

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
  const pin = options.webVersion ?? webVersionPin({}, options.dataPath);
  const client = new Client({
    authStrategy: createGuardedRemoteAuth({
      store: options.store,
      clientId: options.clientId,
      dataPath: options.dataPath,
      backupSyncIntervalMs: options.backupIntervalMs ?? BACKUP_INTERVAL_MS,
      logger,
    }),
    puppeteer: { executablePath: options.chromiumPath, headless: true, args: [...CHROMIUM_ARGS, ...(options.chromiumArgs ?? [])] },
    ...webVersionOptions(pin),
    ...(options.pairWithPhoneNumber ? { pairWithPhoneNumber: { phoneNumber: options.pairWithPhoneNumber.phoneNumber, showNotification: true } } : {}),
  });
  ignoreInjectFailuresAfterClose(client, logger, options.referrerUserId);
  const initialize = client.initialize.bind(client);
  client.initialize = async () => {
    await prefetchWebVersion(pin, logger);
    return initialize();
  };
  if (options.pairWithPhoneNumber) catchPairingCodeFailures(client, logger, options.referrerUserId);
  return client;
};

export interface WebVersionSettings {
  /** A build such as `2.3000.1017054665`, or `latest`. Default {@link PINNED_WEB_VERSION}. */
  version?: string;
  /** `remote` (default): fetched from `url`; `local`: read from `<dataPath>/web-version-cache/<version>.html`. */
  source?: "remote" | "local";
  /** Remote template with `{version}`. Default {@link WEB_VERSION_ARCHIVE_URL}. */
  url?: string;
  /** Fail to start when the build cannot be had, instead of loading the live page. Default false. */
  strict?: boolean;
  /** SHA-256 (hex) the page must have; see {@link WebVersionPin}. */
  sha256?: string;
}

/**
 * The pin for settings (environment variables in the service). By default the tested build,
 * fetched once from the archive into `<dataPath>/web-version-cache` and served from there; if it
 * cannot be fetched (and not `strict`), the library loads the live page (LocalWebCache.js:20-31).
 */
export function webVersionPin(settings: WebVersionSettings, dataPath: string): WebVersionPin {
  const version = settings.version ?? PINNED_WEB_VERSION;
  if (version === "latest") return { version };
  const strict = settings.strict ?? false;
  const cache: WebCacheOptions = { type: "local", path: join(dataPath, "web-version-cache"), strict };
  const sha256 = settings.sha256 ? { sha256: settings.sha256.toLowerCase() } : {};
  return settings.source === "local" ? { version, cache, ...sha256 } : { version, cache, fetchFrom: settings.url ?? WEB_VERSION_ARCHIVE_URL, ...sha256 };
}

const WEB_VERSION_FETCH_TIMEOUT_MS = 15_000;
const fetchedVersions = new Map<string, Promise<void>>();

const sha256Of = (content: string | Buffer) => createHash("sha256").update(content).digest("hex");

/**
 * Puts `<version>.html` in the local cache when missing (with `fetchFrom`); with a `sha256` pin,
 * a cached or fetched page of another hash is deleted or never written. A failure is logged, not
 * thrown: without the page the library loads the live web.whatsapp.com (or fails, when strict).
 */
export function prefetchWebVersion(pin: WebVersionPin, logger: Logger): Promise<void> {
  if (!("cache" in pin) || pin.cache.type !== "local" || !pin.cache.path) return Promise.resolve();
  if (!pin.fetchFrom && !pin.sha256) return Promise.resolve();
  const { version, fetchFrom, sha256 } = pin;
  const file = join(pin.cache.path, `${version}.html`);
  let pending = fetchedVersions.get(file);
  if (!pending) {
    pending = (async () => {
      const cached = await readFile(file).catch(() => null);
      if (cached !== null && (!sha256 || sha256Of(cached) === sha256)) return;
      if (cached !== null) {
        await rm(file, { force: true });
        logger.error({ version, sha256: sha256Of(cached) }, "the cached WhatsApp Web build does not have the pinned SHA-256: deleted, never served");
      }
      if (!fetchFrom) return;
      const url = fetchFrom.replace("{version}", version);
      try {
        const response = await fetch(url, { signal: AbortSignal.timeout(WEB_VERSION_FETCH_TIMEOUT_MS) });
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        const html = await response.text();
        if (sha256 && sha256Of(html) !== sha256) {
          logger.error({ version, url, sha256: sha256Of(html) }, "the fetched WhatsApp Web build does not have the pinned SHA-256: refused, the live web.whatsapp.com page is used");
          return;
        }
        await mkdir(dirname(file), { recursive: true, mode: 0o700 });
        await writeFile(`${file}.tmp`, html, { mode: 0o600 });
        await rename(`${file}.tmp`, file);
      } catch (error) {
        logger.warn({ version, err: String(error) }, "could not fetch the pinned WhatsApp Web build: the live web.whatsapp.com page is used");
      }
    })().finally(() => fetchedVersions.delete(file));
    // Shared by the sessions starting meanwhile; each later start checks the file again.
    fetchedVersions.set(file, pending);
  }
  return pending;
}

function webVersionOptions(pin: WebVersionPin): { webVersion?: string; webVersionCache: WebCacheOptions } {
  // With no cache the library loads the live page (WebCache.resolve returns null).
  if (!("cache" in pin)) return { webVersionCache: { type: "none" } };
  return { webVersion: pin.version, webVersionCache: pin.cache };
}

/**
 * With `pairWithPhoneNumber`, `inject()` calls `requestPairingCode` without awaiting or catching
 * it (Client.js:217-221): a refused number or a closed page would be an unhandled rejection. The
 * failure is logged and emitted as `auth_failure` with its reason, so that the link ends with it
 * at once rather than as "no pairing code within 60 s".
 */
function catchPairingCodeFailures(client: Client, logger: Logger, referrerUserId: string): void {
  const requestPairingCode = client.requestPairingCode.bind(client);
  client.requestPairingCode = (...args) =>
    requestPairingCode(...args).catch((error: unknown) => {
      logger.warn({ referrerUserId, err: String(error) }, "whatsapp-web.js could not get a pairing code");
      client.emit("auth_failure", `${PAIRING_CODE_FAILURE}${error instanceof Error ? error.message : String(error)}`);
      return "";
    });
}

/** Prefix of the `auth_failure` message emitted when no pairing code could be had. */
export const PAIRING_CODE_FAILURE = "no pairing code: ";

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
