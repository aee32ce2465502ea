import type { Delivery, ExitReason, Language, LinkStatus, MediaItem, MessageVariant, OnReply, TargetClaim, TargetGroup, TargetStatus } from "@relance/core";

/*
 * Stored shapes. Field names are the platform's (`referralUserId`, `currentDay`,
 * `messagesDelivered`, `dayNumber`, `messageTemplate`, `mediaUrls`, ...), so its own tools can read
 * them; `_id` is the record's id or natural key, and dates are BSON dates.
 */

export interface ConfigDocument {
  _id: string;
  referrerUserId: string;
  enabled: boolean;
  enrollmentPaused: boolean;
  sendingPaused: boolean;
  timezone: string;
  sendWindow: { start: string; end: string };
  whatsapp: { status: LinkStatus; phone: string | null; linkedAt: Date | null; lastError: string | null; updatedAt: Date };
  failureNotifiedAt: Date | null;
  disconnectedByReferrerAt?: Date | null;
  restriction?: { reason: string; until: Date | null; since: Date; notifiedAt: Date | null } | null;
  healthHold?: { heldSince: Date | null; reason: string | null; judgeFrom: Date | null } | null;
  onReply?: OnReply;
  createdAt: Date;
  updatedAt: Date;
}

export interface MessageDocument {
  _id: number;
  dayNumber: number;
  messageTemplate: Record<Language, string>;
  mediaUrls: MediaItem[];
  active: boolean;
  defaultWeight?: number;
  variants?: MessageVariant[];
  updatedAt?: Date;
}

// Deliveries and claims are stored exactly as the model defines them.
export type DeliveryDocument = Delivery;
export type ClaimDocument = TargetClaim;

export interface TargetDocument {
  _id: string;
  referrerUserId: string;
  referralUserId: string;
  status: TargetStatus;
  currentDay: number;
  nextMessageDue: Date | null;
  language: Language;
  contact: { phone: string; name: string; paymentLink: string | null };
  messagesDelivered: DeliveryDocument[];
  failedAttempts: number;
  lastSentDay: number | null;
  lastSentVariant?: string | null;
  repliedAt?: Date | null;
  enteredLoopAt: Date;
  exitedLoopAt: Date | null;
  exitReason: ExitReason | null;
  /** Absent on targets enrolled without a holdout. */
  group?: TargetGroup;
  exitDay?: number | null;
  claim: ClaimDocument | null;
  revision: number;
  updatedAt: Date;
}

export interface CounterDocument {
  /** `JSON.stringify([referrerUserId, day])`: unambiguous whatever the ids contain. */
  _id: string;
  referrerUserId: string;
  day: string;
  count: number;
  /** Set on insert, for the TTL index that removes counters days after their day. */
  createdAt?: Date;
}

export interface DoNotContactDocument {
  _id: string;
  phone: string;
  reason: "opted_out" | "manual" | "erased";
  referrerUserId: string | null;
  addedAt: Date;
}

/** A referral the platform took out of the loop; `_id` is its `userId`, so the first record is kept. */
export interface ExitedUserDocument {
  _id: string;
  userId: string;
  reason: ExitReason;
  exitedAt: Date;
}

export interface LeaseDocument {
  _id: string;
  owner: string;
  expiresAt: Date;
}

/** One key of a session; keys are values, never field names, so dots and dollars are safe. */
export interface SessionEntryDocument {
  /** `JSON.stringify([sessionId, key])`. */
  _id: string;
  sessionId: string;
  key: string;
  value: string;
}

/** A referrer of the push-fed directory; `_id` is its `userId`. */
export interface DirectoryReferrerDocument {
  _id: string;
  userId: string;
  active: boolean;
  name: string;
  phone: string | null;
  updatedAt: Date;
}

/** A referral of the push-fed directory, unique per (`referrerId`, `userId`). */
export interface DirectoryReferralDocument {
  /** `JSON.stringify([referrerId, userId])`. */
  _id: string;
  userId: string;
  referrerId: string;
  phone: string;
  name: string;
  language: Language | null;
  createdAt: Date;
  paid: boolean;
  paymentLink: string | null;
  /** When it was last upserted (the writer's clock): the incremental listing's order. */
  changedAt?: Date;
}

/** An `EnrollmentCursor`, keyed by `referrerUserId`. */
export interface EnrollmentCursorDocument {
  _id: string;
  referrerUserId: string;
  since: string | null;
  waiting: string[];
  updatedAt: Date;
}

/** The one service-wide settings record, `_id` "settings". */
export interface SettingsDocument {
  _id: string;
  holdoutPercent?: number;
  updatedAt: Date;
}
