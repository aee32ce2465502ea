import type { Clock, LeaseRepository, Logger } from "@relance/core";
import type { SessionRepository } from "../../ports/session-repository.js";
import type { SessionCipher } from "../../crypto/session-cipher.js";
import type { CreateWwebjsClient, WebVersionPin } from "./client-factory.js";
import type { ActiveContacts } from "./inbox.js";
import type { LoadMedia } from "./media.js";

export interface WwebjsTransportOptions {
  sessions: SessionRepository;
  leases: LeaseRepository;
  cipher: SessionCipher;
  clock?: Clock;
  logger?: Logger;
  /** Lease owner name of this process (default `<hostname>:<pid>`). */
  instanceId?: string;
  /**
   * Chromium instances open at once in this process (about 300 MB each). Default 5. A hard cap:
   * a session that finds no room (all others used within `evictionGraceMs`) is
   * TransportUnavailableError, and `capabilities.maxSessions` reports it to the core.
   */
  maxSessions?: number;
  /**
   * The listen job (`ensureReady` with `purpose: "listen"`) never evicts a session and starts
   * at most one Chromium per this interval on average (bursts up to `maxSessions`); past that it
   * gets SessionCapacityError and tries again on a later run. Default 60 s.
   */
  listenOpenIntervalMs?: number;
  /** A session used this recently is not evicted (see SessionPoolOptions). */
  evictionGraceMs?: number;
  /** A session unused this long is closed, and restored on the next send. Default 30 min. */
  idleTimeoutMs?: number;
  /** Default `CHROMIUM_PATH`, else `/usr/bin/chromium`. */
  chromiumPath?: string;
  /** Added to Chromium's arguments (a `--proxy-server`, host resolver rules in tests). */
  chromiumArgs?: readonly string[];
  /** Working directory of RemoteAuth (profiles, zip files); default `<tmpdir>/relance-wwebjs`. */
  dataPath?: string;
  /** Builds a client (default: a real one); tests inject a double. */
  createClient?: CreateWwebjsClient;
  /** Downloads media before sending (default: HTTP GET with status, timeout and size checks). */
  loadMedia?: LoadMedia;
  /** Default media download limits: whole download time (default 60 s) and size (default 64 MB). */
  mediaTimeoutMs?: number;
  mediaMaxBytes?: number;
  /** Hosts whose media may sit on private or loopback addresses (an internal CDN); every other is refused there. */
  mediaAllowHosts?: readonly string[];
  /**
   * Phones of the referrer's active targets: on `ready`, their chats are read for replies that
   * arrived while no client ran, even when the referrer already read them on the phone.
   */
  activeContacts?: ActiveContacts;
  /** Newest messages read per chat on catch-up. Default 50. */
  catchUpMessagesPerChat?: number;
  /** How far back the first catch-up of a session with no watermark reads. Default 7 days. */
  catchUpFirstLookbackMs?: number;
  /** How long the catch-up on `ready` may take before the session is closed and retried. Default 2 min. */
  catchUpTimeoutMs?: number;
  /**
   * How long a send may wait for WhatsApp Web to report the message left (`waitUntilMsgSent`).
   * Past it the outcome is unknown: counted as sent, never resent. Default 60 s.
   */
  sendTimeoutMs?: number;
  /** RemoteAuth backup period. Default 20 min. */
  backupIntervalMs?: number;
  /** WhatsApp Web build (default: whatsapp-web.js 1.34.7's tested build, from the archive). */
  webVersion?: WebVersionPin;
  /**
   * Loaded instead of `webVersion` once WhatsApp deprecates it (DEPRECATED_VERSION), by every
   * client of this process from then on. Default `{ version: "latest" }`; null: none, sessions
   * on a deprecated build fail and are not restored until the referrer connects again.
   */
  webVersionFallback?: WebVersionPin | null;
  /** How long WhatsApp Web may take to show a QR / pairing code. Default 60 s. */
  initTimeoutMs?: number;
  /**
   * How long a stored session may take to become ready; started again at each new percentage of
   * WhatsApp Web's loading screen (only a stalled sync ends it). Default 3 min.
   */
  restoreTimeoutMs?: number;
  /** How long a shown QR or pairing code may wait to be used before the link ends and its Chromium closes. Default 3 min. */
  linkWaitMs?: number;
  /** How long `destroy()` may take before Chromium is killed. Default 10 s. */
  destroyTimeoutMs?: number;
  /**
   * Longest wait in `close` for the engine to acknowledge the replies handed over (default 10 s):
   * those not acknowledged by then stay in the session's journal for its next ready.
   */
  inboundAckWaitMs?: number;
  /**
   * How long closing a session waits for RemoteAuth's final backup (after Chromium closed) before
   * giving the lease back; a backup still running then is dropped. Default 2 min.
   */
  finalBackupTimeoutMs?: number;
}
