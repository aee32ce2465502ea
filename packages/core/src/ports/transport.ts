import type { Language } from "../model/language.js";
import type { MediaItem } from "../model/message.js";
import type { E164 } from "../model/phone.js";
import type { LinkStatus } from "../model/referrer-config.js";

/** A QR code to scan with the phone: the raw text, and a PNG data URL when the adapter renders it. */
export interface QrCode {
  text: string;
  dataUrl?: string;
}

/** A referrer's WhatsApp session as the transport sees it now. */
export interface LinkState {
  status: LinkStatus;
  phone: E164 | null;
  qr?: QrCode;
  pairingCode?: string;
  /** Why the session is not connected (shown to the referrer, never contains secrets). */
  reason?: string;
  /**
   * Set while WhatsApp restricts the account (a reach-out time lock, a new-chat cap, error 463).
   * The status stays what it is (usually `connected`); dispatch holds the sender until it ends.
   */
  restriction?: SenderRestriction;
}

/** WhatsApp limits what the account may send; sending anyway worsens the restriction. */
export interface SenderRestriction {
  /** Why, for humans (no secrets). */
  reason: string;
  /** When WhatsApp said it ends; null when unknown (re-checked on the next run). */
  until: Date | null;
}

/**
 * The account's quota of messages to people who never answered it, as WhatsApp last reported it
 * (where it does: Baileys' new-chat message capping).
 */
export interface NewChatQuota {
  /** New chats the account may still start in the current cycle, as of `reportedAt`. */
  remaining: number;
  /** When the cycle ends (a new quota); null when WhatsApp did not say. */
  resetsAt: Date | null;
  /** When WhatsApp reported it: first contacts sent since count against `remaining`. */
  reportedAt: Date;
}

/**
 * Presence shown to a recipient or to everyone: `available` when a batch starts, `composing`
 * ("typing…") then `paused` before each message, `unavailable` after the batch.
 */
export type PresenceState = "available" | "composing" | "paused" | "unavailable";

export type LinkMethod = "qr" | "pairing_code";

/**
 * How to link: by QR code, or by pairing code for a number — a pairing code always names the
 * number it is for, so a transport never has to check that it was given one. (`phone?: undefined`
 * on the QR side lets code read `options.phone` on either.)
 */
export type LinkRequest = { method: "qr"; phone?: undefined } | { method: "pairing_code"; phone: E164 };

export interface OutgoingMessage {
  to: E164;
  text: string;
  /** Sent after the text, in order. */
  media: MediaItem[];
  language: Language;
}

export interface SendContext {
  /** Stable per target and day, so a transport can make a resend detectable. */
  idempotencyKey: string;
  targetId: string;
  day: number;
}

export interface SendResult {
  messageId: string;
  /** Ids of the media that left, in order. */
  mediaMessageIds: string[];
  /** Set when the text left but some media did not: the day still counts as sent. */
  partialFailure?: string;
}

export interface EnsureReadyOptions {
  /** `send` (default): dispatch or a referrer's request; `listen`: the listen job. */
  purpose?: "send" | "listen";
}

export type TransportEvent =
  | { type: "link"; referrerUserId: string; state: LinkState; at: Date }
  | { type: "inbound"; referrerUserId: string; from: E164; text: string; at: Date }
  | {
      type: "receipt";
      referrerUserId: string;
      messageId: string;
      status: "delivered" | "read" | "failed";
      at: Date;
      /** The server's error code of a `failed` receipt when the library gives one (Baileys' ack error, e.g. `463`). */
      error?: string;
    };

/**
 * A listener of transport events. For an `inbound` event it returns a promise that settles once the
 * message was handled: resolved when its effects are stored (an opt-out on the do-not-contact list,
 * the target's exit), rejected when they could not be. This is the engine's acknowledgement: a
 * transport that journals inbound messages forgets one only when every listener's promise resolved,
 * and hands it over again (on the session's next ready, in any process) otherwise, so handling must
 * be idempotent. A listener returning anything else than a promise acknowledges at once. For other
 * events the result is ignored.
 */
export type TransportListener = (event: TransportEvent) => unknown;

/**
 * A WhatsApp transport: links referrers' accounts and sends from them. Adapters: Baileys,
 * whatsapp-web.js, and a sandbox that simulates phones.
 *
 * Methods taking a `referrerUserId` act on that referrer's session. Sending methods reject with
 * `TransportUnavailableError` when the session cannot send (not linked, disconnected, logged
 * out) so that dispatch holds instead of counting a failure.
 */
export interface Transport {
  readonly name: string;
  readonly capabilities: {
    /** Presence updates ("typing…") are shown to recipients. */
    presence: boolean;
    pairingCode: boolean;
    /**
     * Most sessions this process can drive at once (whatsapp-web.js: one Chromium each). Dispatch
     * never runs more senders in parallel than this. Absent: no limit of the transport's own.
     */
    maxSessions?: number;
  };
  /** Starts linking; resolves with the first state worth showing (QR, pairing code, or connected). */
  connect(referrerUserId: string, options: LinkRequest): Promise<LinkState>;
  /** Closes the session; with `logout`, unlinks the device and deletes the stored session. */
  disconnect(referrerUserId: string, options: { logout: boolean }): Promise<LinkState>;
  /** The state of the session, without side effects. */
  getState(referrerUserId: string): LinkState;
  /**
   * Makes a linked session ready to send (restoring it from stored credentials when needed) and
   * returns its state. Never starts a new link, and never restores a session the referrer closed
   * with `disconnect`. Rejects with `SessionDrivenElsewhereError` when another process holds
   * the session's lease. Messages that arrived while the session was down (the offline backlog)
   * are emitted as `inbound` events before it resolves: the engine handles them before it reads
   * the do-not-contact list or sends, so a STOP among them always wins. A restriction known at
   * that point is in the returned state's `restriction`.
   *
   * With `purpose: "listen"` (the listen job, which only wants replies read), a transport
   * whose sessions are costly (whatsapp-web.js: one Chromium each) may leave a closed session
   * closed rather than evict others or exceed its budget of new sessions: it rejects with
   * `SessionCapacityError`, and the job tries that referrer first on a later run.
   */
  ensureReady(referrerUserId: string, options?: EnsureReadyOptions): Promise<LinkState>;
  isOnWhatsApp(referrerUserId: string, phone: E164): Promise<boolean>;
  /**
   * Updates the account's presence: to one recipient (`composing`, `paused`) or to everyone
   * (`available`, `unavailable`, `to` omitted). Only when `capabilities.presence`.
   */
  sendPresence(referrerUserId: string, state: PresenceState, to?: E164): Promise<void>;
  /**
   * Sends the text, then each media. Once the text has left it never rejects (a retry would send
   * the day again): media that failed are reported in `partialFailure`. Before that, it rejects
   * with `TransportUnavailableError` when the session cannot send (dispatch holds), with
   * `SenderRestrictedError` when WhatsApp restricts the account (dispatch holds until the
   * restriction ends, no attempt counted), or with any other error for a failed attempt
   * (dispatch retries later).
   */
  send(referrerUserId: string, message: OutgoingMessage, context: SendContext): Promise<SendResult>;
  /**
   * Erasure: forgets what the referrer's session keeps about `phone` beyond the storage's targets
   * (canonical ids, address-book entries, replies waiting for a number, ids of messages seen), in
   * the stored session whether or not it runs. Optional: a transport that keeps nothing omits it.
   */
  forgetContact?(referrerUserId: string, phone: E164): Promise<void>;
  /**
   * The account's new-chat quota as WhatsApp last reported it to this process (no I/O), or null
   * when none was reported, its cycle ended, or the session is not driven here. Dispatch never
   * sends more first contacts than `remaining` after `reportedAt`. Optional: a transport that
   * hears of no such quota omits it.
   */
  newChatQuota?(referrerUserId: string): NewChatQuota | null;
  /**
   * Subscribes to link changes, inbound messages and receipts; returns the unsubscribe function.
   * An inbound message is surfaced once the transport has stored it where it survives the
   * process (when it journals), and kept there until the listeners acknowledged it (see
   * `TransportListener`); one surfaced while no listener is subscribed stays unacknowledged.
   */
  subscribe(listener: TransportListener): () => void;
  /**
   * Closes every session this process drives (they stay linked). Messages the sessions surface
   * while closing are still emitted, and it waits (bounded) for the listeners to acknowledge
   * them: unsubscribe only after it resolved, or they wait for the session's next ready.
   */
  close(): Promise<void>;
}
