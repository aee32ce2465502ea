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

/**
 * Their account's own receipts say WhatsApp is turning against it (messages no longer delivered,
 * errors, a restriction): Relance holds their relances (none lost) so that it does not get
 * banned. Sent once per hold; sending resumes by itself when receipts recover, or by `resumesBy`.
 */
export interface SenderAtRiskNotification {
  type: "sender_at_risk";
  referrerUserId: string;
  reason: string;
  /** Share of recent messages delivered; null when none could be judged yet. */
  deliveredShare: number | null;
  resumesBy: Date;
  heldTargets: number;
  at: Date;
}

/**
 * A referral answered with something other than STOP: a person is talking, the referrer may
 * answer in person. Sent once per referral; `exited` tells whether their sequence stopped
 * (`onReply: stop`). `text` is the reply itself: it goes to the referrer, never to logs.
 */
export interface ReferralRepliedNotification {
  type: "referral_replied";
  referrerUserId: string;
  referralUserId: string;
  targetId: string;
  /** The referral's number (E.164). */
  phone: string;
  text: string;
  exited: boolean;
  at: Date;
}

/** Something the referrer must hear about. */
export type ReferrerNotification = SenderUnavailableNotification | SenderRestrictedNotification | SenderAtRiskNotification | ReferralRepliedNotification;

/** Tells a referrer (by webhook, e-mail, ...) that something needs their action. */
export interface Notifier {
  /** Delivery is best effort: a rejected promise is logged by the core, never retried in a loop. */
  notify(notification: ReferrerNotification): Promise<void>;
}
