import {
  Browsers,
  DEFAULT_CONNECTION_CONFIG,
  isJidBroadcast,
  isJidNewsletter,
  type AuthenticationCreds,
  type AuthenticationState,
  type UserFacingSocketConfig,
  type WABrowserDescription,
  type WAMessageKey,
  type WASocket,
  type WAVersion,
  type proto,
} from "@whiskeysockets/baileys";
import { createBoundedCache } from "./key-cache.js";
import type { BaileysLogger } from "./logger.js";

/** The part of a Baileys socket this transport uses: what a test double must provide. */
export type BaileysSocket = Pick<
  WASocket,
  | "ev"
  | "user"
  | "end"
  | "logout"
  | "requestPairingCode"
  | "onWhatsApp"
  | "presenceSubscribe"
  | "sendPresenceUpdate"
  | "sendMessage"
  | "fetchAccountReachoutTimelock"
  | "fetchNewChatMessageCap"
> & {
  /** Baileys' LID ↔ phone-number store (lib/Signal/lid-mapping.d.ts:3-22): replies may come from a LID. */
  readonly signalRepository: { readonly lidMapping: LidMapping };
};

/** The part of Baileys' `LIDMappingStore` used: both resolve to a JID, or null when unknown. */
export interface LidMapping {
  getPNForLID(lid: string): Promise<string | null>;
  getLIDForPN(pn: string): Promise<string | null>;
}

export interface SocketContext {
  referrerUserId: string;
  sessionId: string;
}

/** Baileys' `makeWASocket` (the default) or a test double; `context` says whose session it is. */
export type MakeBaileysSocket = (config: UserFacingSocketConfig, context: SocketContext) => BaileysSocket;

/**
 * A real OS and a real browser. The pairing-code request sends `companion_platform_id` (the
 * browser's CompanionWebClientType, lib/Utils/companion-reg-client-utils.js:14-26) and the display
 * "<browser> (<os>)" (lib/Socket/socket.js:607-640): WhatsApp accepts browser ids 1-6 only and
 * answers a made-up display such as "Relance (Ubuntu)" with a 400 that Baileys never reads, so the
 * code the referrer types would silently do nothing (Baileys PRs #2409, #2769).
 */
export const DEFAULT_BROWSER: WABrowserDescription = Browsers.macOS("Chrome");

export interface SocketSettings {
  /** The WhatsApp Web version to announce (see wa-version.ts); Baileys' baked one when absent. */
  version?: WAVersion;
  /** Content of a message we sent, for retry receipts (see sent-messages.ts). */
  getMessage(key: WAMessageKey): Promise<proto.IMessage | undefined>;
}

export function socketConfig(auth: AuthenticationState, logger: BaileysLogger, browser: WABrowserDescription, settings: SocketSettings): UserFacingSocketConfig {
  return {
    auth,
    logger,
    browser,
    ...(settings.version ? { version: settings.version } : {}),
    getMessage: settings.getMessage,
    makeSignalRepository: withBoundedLidCache(DEFAULT_CONNECTION_CONFIG.makeSignalRepository, LID_CACHE_MAX),
    // Online on connect would silence the referrer's phone notifications while we are linked.
    markOnlineOnConnect: false,
    syncFullHistory: false,
    shouldIgnoreJid: ignoredSender,
  };
}

/** LID ↔ phone pairs kept in memory per socket (two entries each); the rest are read from the keys. */
export const LID_CACHE_MAX = 2_000;
const LID_CACHE_TTL_MS = 3 * 24 * 60 * 60_000;

type MakeSignalRepository = UserFacingSocketConfig["makeSignalRepository"] & {};

/**
 * Baileys' own signal repository, its LID store's cache swapped for a bounded one. The store
 * caches every mapping it sees (`new LRUCache({ ttl: 3 days, ttlAutopurge: true, updateAgeOnGet:
 * true })` with no `max`, lib/Signal/lid-mapping.js:5-9), and lru-cache 11 arms one timer per
 * entry with `ttlAutopurge` (lru-cache dist/esm/index.js:403-447): a socket kept for days grows
 * without bound with every alt JID it meets. The store only calls `get`, `set` and `clear` on it
 * (lid-mapping.js:36-80, 129-150, 241-257, 274); a miss is read back from the signal keys
 * (`lid-mapping` entries). The version is pinned exactly, so the field is the one read here.
 */
export function withBoundedLidCache(make: MakeSignalRepository, max: number): MakeSignalRepository {
  return (auth, logger, pnToLIDFunc) => {
    const repository = make(auth, logger, pnToLIDFunc);
    const store = repository.lidMapping as unknown as { mappingCache?: { clear(): void } };
    if (store.mappingCache) {
      store.mappingCache.clear();
      store.mappingCache = createBoundedCache({ max, ttlMs: LID_CACHE_TTL_MS, refreshOnGet: true });
    } else {
      logger.warn({}, "baileys LID store has no mappingCache: its cache stays unbounded");
    }
    return repository;
  };
}

/**
 * Senders whose messages are never replies: status updates, broadcast lists, newsletters. Baileys
 * acknowledges and drops them before decrypting (lib/Socket/messages-recv.js:1589-1601), so they
 * no longer lengthen the offline backlog that `connected` waits for (a night of contacts' status
 * posts). Groups are still decrypted: whether ignoring them has side effects on a live account is
 * untested.
 */
export function ignoredSender(jid: string): boolean {
  return Boolean(isJidBroadcast(jid) || isJidNewsletter(jid));
}

/**
 * Whether the creds belong to a linked device. Not `creds.registered`: Baileys sets it only at
 * the end of a pairing-code link, never after a QR scan; `account` (the signed device identity)
 * is written by the pair-success of both. Not `creds.me` either: `requestPairingCode` sets it
 * before anything is linked.
 */
export function isLinked(creds: AuthenticationCreds): boolean {
  return Boolean(creds.account && creds.me?.id);
}

/** `lastDisconnect.error.output.statusCode` of a Boom; undefined for a close without an error. */
export function statusCodeOf(error: unknown): number | undefined {
  const output = (error as { output?: { statusCode?: unknown } } | null | undefined)?.output;
  return typeof output?.statusCode === "number" ? output.statusCode : undefined;
}
