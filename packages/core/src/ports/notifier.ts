import type { LinkStatus } from "../model/referrer-config.js";

/** Their sender is down (not linked, disconnected, logged out), so their relances are held. */
export interface SenderUnavailableNotification {
  type: "sender_unavailable";
  referrerUserId: string;
  linkStatus: LinkStatus;
  reason: string;
  heldTargets: number;
  at: Date;
}

/**
 * WhatsApp restricts their account (time lock, new-chat cap, "account restricted"): their
 * relances wait until `until` (null: unknown, re-checked on each run). Sent once per restriction.
 */
export interface SenderRestrictedNotification {
  type: "sender_restricted";
  referrerUserId: string;
  reason: string;
  until: Date | null;
  heldTargets: number;
  at: Date;
}

/** Something the referrer must hear about. */
export type ReferrerNotification = SenderUnavailableNotification | SenderRestrictedNotification;

/** Tells a referrer (by webhook, e-mail, ...) that something needs their action. */
export interface Notifier {
  /** Delivery is best effort: a rejected promise is logged by the core, never retried in a loop. */
  notify(notification: ReferrerNotification): Promise<void>;
}
