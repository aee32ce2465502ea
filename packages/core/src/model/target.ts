import type { Language } from "./language.js";
import type { E164 } from "./phone.js";

/**
 * `holdout`: a target of the control group while its sequence would be running: never messaged,
 * it leaves like the others (paid, STOP, ...; `completed` when its sequence would have ended).
 */
export type TargetStatus = "active" | "completed" | "exited" | "holdout";
export const TARGET_STATUSES: readonly TargetStatus[] = ["active", "completed", "exited", "holdout"];
/** The statuses of a target still in its loop: the ones an exit (payment, STOP, reply) ends. */
export const IN_LOOP_STATUSES: readonly TargetStatus[] = ["active", "holdout"];

/**
 * The group a target was enrolled in while a holdout was set: `treated` ones get the relances,
 * `holdout` ones never do. Absent on targets enrolled without a holdout (they are no part of the
 * measured lift). Never changes.
 */
export type TargetGroup = "treated" | "holdout";

export type ExitReason =
  | "completed_7_days"
  | "paid"
  | "opted_out"
  | "referrer_inactive"
  | "invalid_number"
  | "send_failed"
  | "manual"
  | "replied";

export const EXIT_REASONS: readonly ExitReason[] = [
  "completed_7_days",
  "paid",
  "opted_out",
  "referrer_inactive",
  "invalid_number",
  "send_failed",
  "manual",
  "replied",
];

export type DeliveryStatus = "sent" | "delivered" | "read" | "failed";

/** Receipt progress only moves forward: a late "delivered" never downgrades a "read". */
export const DELIVERY_STATUS_RANK: Record<DeliveryStatus, number> = { failed: 0, sent: 1, delivered: 2, read: 3 };

export interface Delivery {
  day: number;
  sentAt: Date;
  status: DeliveryStatus;
  /** Transport id of the text message (receipts are matched on it). */
  messageId?: string;
  /** Transport ids of the media sent with the text. */
  mediaMessageIds?: string[];
  errorMessage?: string;
  /** Key of the day's variant that was sent; absent when the day had no variants. */
  variant?: string;
  deliveredAt?: Date;
  readAt?: Date;
}

/** Snapshot of the referral taken at enrollment; refreshed from the directory when it is read. */
export interface TargetContact {
  phone: E164;
  name: string;
  paymentLink: string | null;
}

/**
 * A dispatch worker's hold on a target. `stage: "claimed"` while it prepares; `"sending"` from
 * the atomic re-check right before the transport call until the result is recorded. A stale
 * `"sending"` claim means a process died mid-send: the day may have left, so it is never resent.
 */
/** What a target's contact becomes once its retention period is over: nothing personal is left. */
export const PURGED_CONTACT: TargetContact = Object.freeze({ phone: "+0" as E164, name: "", paymentLink: null });

export interface TargetClaim {
  owner: string;
  day: number;
  stage: "claimed" | "sending";
  at: Date;
  expiresAt: Date;
}

/** One referrer × referral, ever. */
export interface Target {
  id: string;
  referrerUserId: string;
  referralUserId: string;
  status: TargetStatus;
  currentDay: number;
  nextMessageDue: Date | null;
  language: Language;
  contact: TargetContact;
  messagesDelivered: Delivery[];
  /** Failed attempts on `currentDay`; reset when the day advances. */
  failedAttempts: number;
  /**
   * Last day whose message left successfully. Frozen once the target leaves the loop, so a paid
   * exit's conversion is attributed to it.
   */
  lastSentDay: number | null;
  /**
   * Variant of `lastSentDay`'s message (null or absent when that day had none): a paid exit's
   * conversion is also counted under it.
   */
  lastSentVariant?: string | null;
  /** When the referral first replied (not a STOP); the referrer was notified then. Absent: never. */
  repliedAt?: Date | null;
  enteredLoopAt: Date;
  exitedLoopAt: Date | null;
  exitReason: ExitReason | null;
  /** Set at enrollment while a holdout share was set; absent otherwise. See {@link TargetGroup}. */
  group?: TargetGroup;
  /**
   * Day of the loop on which it exited (1 = the first 24 h after `enteredLoopAt`), set by the
   * exits the platform and the referral cause (payment, STOP): the lift's conversions by day.
   */
  exitDay?: number | null;
  claim: TargetClaim | null;
  /** Incremented by every write: optimistic concurrency for read-modify-write updates. */
  revision: number;
  updatedAt: Date;
}

export interface NewTargetInput {
  id: string;
  referrerUserId: string;
  referralUserId: string;
  language: Language;
  contact: TargetContact;
  now: Date;
  /** Enrolled while a holdout was set: its group. */
  group?: TargetGroup;
  /** For the holdout group: when its sequence would end (it completes then). */
  holdoutEndsAt?: Date;
}

/** A holdout target's `nextMessageDue` is when its sequence would end: nothing is ever due for it. */
export function newTarget(input: NewTargetInput): Target {
  const heldOut = input.group === "holdout";
  return {
    id: input.id,
    referrerUserId: input.referrerUserId,
    referralUserId: input.referralUserId,
    status: heldOut ? "holdout" : "active",
    currentDay: 1,
    nextMessageDue: heldOut ? (input.holdoutEndsAt ?? input.now) : input.now,
    language: input.language,
    contact: input.contact,
    messagesDelivered: [],
    failedAttempts: 0,
    lastSentDay: null,
    enteredLoopAt: input.now,
    exitedLoopAt: null,
    exitReason: null,
    ...(input.group ? { group: input.group } : {}),
    claim: null,
    revision: 0,
    updatedAt: input.now,
  };
}
