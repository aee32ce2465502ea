import type { E164 } from "./phone.js";
import type { SendWindow } from "./send-window.js";

/** The WhatsApp link of a referrer, as the core last heard it from the transport. */
export type LinkStatus =
  | "disconnected"
  | "connecting"
  | "pending_qr"
  | "pending_pairing"
  | "connected"
  | "logged_out"
  | "failed";

export const LINK_STATUSES: readonly LinkStatus[] = [
  "disconnected",
  "connecting",
  "pending_qr",
  "pending_pairing",
  "connected",
  "logged_out",
  "failed",
];

export interface WhatsAppLink {
  status: LinkStatus;
  /** The referrer's own number once linked. */
  phone: E164 | null;
  /** Set on the first successful link, cleared on logout: "WhatsApp linked" for enrollment. */
  linkedAt: Date | null;
  /** Why the link is not connected, for humans. */
  lastError: string | null;
  updatedAt: Date;
}

/** What a reply (not a STOP) from a referral does: `stop` ends their sequence, `continue` keeps it. */
export type OnReply = "stop" | "continue";
export const ON_REPLY_MODES: readonly OnReply[] = ["stop", "continue"];

/** A restriction WhatsApp put on the referrer's account, as recorded by dispatch. */
export interface StoredRestriction {
  reason: string;
  /** When it ends; null when WhatsApp did not say (re-checked on each run). */
  until: Date | null;
  /** When dispatch first saw it. */
  since: Date;
  /** When the referrer was told; null if the notification is still to be sent. */
  notifiedAt: Date | null;
}

/** Dispatch held the sender because its health was `at_risk` (see `policies/sender-health.ts`). */
export interface StoredHealthHold {
  /** When dispatch held it (the referrer was told then); null once resumed. */
  heldSince: Date | null;
  /** Why it was held, as judged then. */
  reason: string | null;
  /** Receipts of messages sent before this are not judged any more (set when a cool-down ends); null: all. */
  judgeFrom: Date | null;
}

/** One per referrer. Created with defaults the first time the referrer is seen. */
export interface ReferrerConfig {
  referrerUserId: string;
  enabled: boolean;
  enrollmentPaused: boolean;
  sendingPaused: boolean;
  /** IANA time zone name. */
  timezone: string;
  sendWindow: SendWindow;
  whatsapp: WhatsAppLink;
  /**
   * When the referrer was told their sender is down; null once they reconnect. Lets dispatch
   * notify once per outage, even with several processes.
   */
  failureNotifiedAt: Date | null;
  /**
   * Set when the referrer closed their session themselves (`disconnect`), cleared by `connect`.
   * Every process holds their relances meanwhile, including one still driving the session.
   */
  disconnectedByReferrerAt: Date | null;
  /**
   * Set while WhatsApp restricts the account (as dispatch last saw it), cleared once it ends.
   * Its `notifiedAt` makes the referrer hear of one restriction once. Absent on older records.
   */
  restriction?: StoredRestriction | null;
  /** Set once the sender was first held for its health; absent on older records. */
  healthHold?: StoredHealthHold | null;
  /** Absent on older records: `stop`. */
  onReply?: OnReply;
  createdAt: Date;
  updatedAt: Date;
}

/** The fields a referrer may change themselves. */
export interface ReferrerConfigPatch {
  enabled?: boolean;
  enrollmentPaused?: boolean;
  sendingPaused?: boolean;
  timezone?: string;
  sendWindow?: SendWindow;
  onReply?: OnReply;
}

export function isLinked(config: ReferrerConfig): boolean {
  return config.whatsapp.linkedAt !== null && config.whatsapp.status !== "logged_out";
}
