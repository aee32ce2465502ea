import type { Language } from "../model/language.js";
import type { E164 } from "../model/phone.js";

export interface ReferrerProfile {
  userId: string;
  name: string;
  phone: E164 | null;
}

/** Someone who signed up through a referrer's link. */
export interface Referral {
  userId: string;
  referrerId: string;
  phone: E164;
  name: string;
  language: Language | null;
  createdAt: Date;
  paid: boolean;
  paymentLink: string | null;
}

/** One incremental listing: what changed, and where the next listing starts. */
export interface ReferralChanges {
  /** Referrals new or changed since the cursor given (all of them for a null cursor). May repeat some already seen. */
  items: Referral[];
  /**
   * Pass it back as `since` to get what changes after this listing. Null when the directory
   * cannot list changes: the next listing is a full one again.
   */
  cursor: string | null;
}

/**
 * The platform's view of referrers and referrals. Adapters: pull from the user-service over
 * HTTP, or a directory stored locally and fed by push calls.
 */
export interface Directory {
  /** True while the referrer pays for the relance option. */
  hasActiveSubscription(referrerUserId: string): Promise<boolean>;
  getReferrer(referrerUserId: string): Promise<ReferrerProfile | null>;
  /**
   * Both answers above in one read: whether the referrer pays for the relance option, and their
   * profile (null when unknown). A dispatch run needs both for each sender.
   */
  getReferrerStatus(referrerUserId: string): Promise<{ active: boolean; profile: ReferrerProfile | null }>;
  /** Every referral of the referrer, paid or not. Costs all of them: the engine's runs use the two calls below. */
  listReferrals(referrerUserId: string): Promise<Referral[]>;
  /**
   * The referrer's referrals with these user ids (unknown ones left out, any order): dispatch
   * reads only the referrals of the targets it is about to send, one call per batch.
   */
  getReferrals(referrerUserId: string, userIds: readonly string[]): Promise<Referral[]>;
  /**
   * Referrals new or changed since `since` (a cursor a previous call returned; null: all):
   * enrollment reads only these, so an idle run costs O(referrers), not O(referrals).
   */
  listReferralChanges(referrerUserId: string, since: string | null): Promise<ReferralChanges>;
  /**
   * Erasure (GDPR): deletes what this directory keeps of the user, as a referrer (with the
   * referrals kept under them) and as a referral under any referrer. Returns how many records
   * were deleted. Left out by a directory that keeps nothing itself (the platform's, read over
   * HTTP: the platform deletes the person from its own directory).
   */
  eraseUser?(userId: string): Promise<number>;
  /**
   * Retention: deletes these (`referrerId`, `userId`) referral records, whose targets' contacts
   * the retention purges. Returns how many. Left out by a directory that keeps nothing itself.
   */
  purgeReferrals?(keys: readonly { referrerId: string; userId: string }[]): Promise<number>;
  /**
   * Retention of exited referrals: deletes these users' records as referrals, under every
   * referrer (not their own referrer records). Returns how many. Left out by a directory that
   * keeps nothing itself.
   */
  purgeReferralRecords?(userIds: readonly string[]): Promise<number>;
}

/**
 * A referral as the platform pushes it. Without `createdAt`, a referral already stored keeps its
 * own and a new one gets the clock's now (so re-pushing a referral does not move it in the order).
 */
export type PushedReferral = Omit<Referral, "createdAt"> & { createdAt?: Date | null };

/** The write side of the stored (push-fed) directory. */
export interface DirectoryFeed {
  setSubscription(input: { userId: string; active: boolean; name?: string; phone?: E164 | null }): Promise<void>;
  /** Costs the same whatever the referrer's history: reads only that referral, never the list. */
  upsertReferral(referral: PushedReferral): Promise<void>;
  /** A feed's batch: the same rule per referral, one lookup per referrer; a repeated referral's last item wins. */
  upsertReferrals(referrals: readonly PushedReferral[]): Promise<void>;
}
