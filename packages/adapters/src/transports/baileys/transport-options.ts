import type { WABrowserDescription } from "@whiskeysockets/baileys";
import type { Clock, LeaseRepository, Logger } from "@relance/core";
import type { SessionRepository } from "../../ports/session-repository.js";
import type { SessionCipher } from "../../crypto/session-cipher.js";
import type { ReconnectSettings } from "./disconnect-policy.js";
import type { GiveUpSettings } from "./give-ups.js";
import type { BaileysLogLevel } from "./logger.js";
import type { DownloadMedia, MediaDownloadLimits } from "./media-download.js";
import type { MakeBaileysSocket } from "./socket.js";
import type { FetchWaVersion } from "./wa-version.js";

/** Default of `offlineDrainTimeoutMs`: Baileys' initial-buffer timer (30 s) plus a margin. */
export const DEFAULT_OFFLINE_DRAIN_MS = 35_000;
/** Default of `offlineQuietMs`. */
export const DEFAULT_OFFLINE_QUIET_MS = 2_000;
/** Default of `readyTimeoutMs`: the drain fallback, the quiet and the restriction check fit in it. */
export const DEFAULT_READY_TIMEOUT_MS = 45_000;

export interface BaileysTransportOptions {
  sessions: SessionRepository;
  leases: LeaseRepository;
  cipher: SessionCipher;
  clock: Clock;
  logger?: Logger;
  /** This process, as the owner of session leases. */
  instanceId: string;
  /** `RELANCE_MAX_CONCURRENT_SESSIONS`: open sockets in this process. */
  maxSessions: number;
  /** Open plus opening sockets never exceed this (default twice `maxSessions`); beyond, connect answers 503. */
  hardMaxSessions?: number;
  /** A session unused this long is closed; the next send restores it. */
  idleTimeoutMs: number;
  leaseTtlMs?: number;
  /** A session used this recently is not evicted (see SessionPoolOptions). */
  evictionGraceMs?: number;
  /** How often leases are renewed and idle sessions closed (default: a third of the lease TTL). */
  maintenanceIntervalMs?: number;
  /** Defaults to Baileys' `makeWASocket`. */
  makeSocket?: MakeBaileysSocket;
  /** Receives each QR drawn with characters (`qrTerminal`), for linking from a terminal. */
  printQrInTerminal?: (text: string) => void;
  reconnect?: Partial<ReconnectSettings>;
  /** Pause before restoring a session that gave up reconnecting (default 15 min doubling to 6 h). */
  giveUps?: Partial<GiveUpSettings>;
  /** Longest wait for the first QR or pairing code in `connect` (default 30 s). */
  linkTimeoutMs?: number;
  /** A socket open this long is renewed by the next `ensureReady` when idle (default 24 h; X5). */
  socketMaxAgeMs?: number;
  /**
   * Longest wait for a stored session to be ready in `connect` / `ensureReady` (default 45 s:
   * longer than the offline-backlog fallback plus the restriction check).
   */
  readyTimeoutMs?: number;
  /** Browser tuple announced to WhatsApp (default `Browsers.macOS("Chrome")`: see DEFAULT_BROWSER). */
  browser?: WABrowserDescription;
  /** Longest time from a QR or pairing code shown to the phone completing the link (default 3 min). */
  pairingTimeoutMs?: number;
  /**
   * Longest wait after `open` for the server's end of the offline backlog (default 35 s: longer
   * than Baileys' own 30 s buffer timer, lib/Utils/event-buffer.js:34). Then ready anyway, after
   * flushing what Baileys' buffer holds.
   */
  offlineDrainTimeoutMs?: number;
  /**
   * After the end of the offline backlog, how long the socket must surface no message or message
   * update before it counts as drained (default 2 s): Baileys is still decrypting queued offline
   * messages when the server says the backlog is over.
   */
  offlineQuietMs?: number;
  /** Longest wait for that quiet on an account that never goes quiet (default 20 s). */
  offlineQuietMaxMs?: number;
  /** How long error 463 ("account restricted") holds the sender (default 24 h). */
  restrictionHoldMs?: number;
  /** Longest wait for WhatsApp's answer on restrictions when a socket opens (default 5 s). */
  restrictionCheckTimeoutMs?: number;
  /** Reads the current WhatsApp Web version (default: Baileys' `fetchLatestWaWebVersion`). */
  fetchWaVersion?: FetchWaVersion;
  /** Downloads media before sending (default: fetch with `media` limits). */
  downloadMedia?: DownloadMedia;
  media?: MediaDownloadLimits;
  /** Days the content of sent messages is kept for retry receipts (default 7). */
  sentMessageRetentionDays?: number;
  /** Baileys' own logs forwarded to `logger` from this level (default `warn`). */
  libraryLogLevel?: BaileysLogLevel;
  /** Jitter source of the reconnect delays (tests make it deterministic). */
  random?: () => number;
  /**
   * Longest wait in `close` for the engine to acknowledge the replies handed over (default 10 s):
   * those not acknowledged by then stay in the session's journal for its next ready.
   */
  inboundAckWaitMs?: number;
}
