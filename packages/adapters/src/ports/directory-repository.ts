import type { E164, Referral, ReferralChanges } from "@relance/core";

/** A referrer as the platform last pushed it (`POST /internal/subscriptions`). */
export interface StoredReferrer {
  userId: string;
  /** True while the referrer pays for the relance option. */
  active: boolean;
  name: string;
  phone: E164 | null;
  updatedAt: Date;
}

/**
 * The push-fed directory's records (referrers and their referrals), kept in the same store as
 * everything else so that nothing the platform pushed is lost on a restart. Validation is the
 * caller's (`StoredDirectory`): this repository stores what it is given. An adapter-to-adapter
 * port: only `StoredDirectory` uses it (the core reaches the records through the `Directory`
 * port, erasure and retention included). Every storage backend of this package provides one
 * (`storage.directory`).
 */
export interface DirectoryRepository {
  /** Insert or replace by `userId`. */
  upsertReferrer(referrer: StoredReferrer): Promise<void>;
  getReferrer(userId: string): Promise<StoredReferrer | null>;
  /**
   * Erasure: deletes the user's referrer record, the referrals pushed under them, and their own
   * referral records under any referrer. Returns how many records were deleted.
   */
  deleteUser(userId: string): Promise<number>;
  /** Retention: deletes these (`referrerId`, `userId`) referral records. Returns how many. */
  deleteReferrals(keys: readonly { referrerId: string; userId: string }[]): Promise<number>;
  /**
   * Retention of exited referrals: deletes these users' records as referrals, under every
   * referrer. Their own referrer records, and the referrals pushed under them, stay. Returns how many.
   */
  deleteReferralRecords(userIds: readonly string[]): Promise<number>;
  /** Insert or replace by (`referrerId`, `userId`). */
  upsertReferral(referral: Referral): Promise<void>;
  /** Every referral of the referrer, ordered by `createdAt` then `userId`. */
  listReferrals(referrerId: string): Promise<Referral[]>;
  /** The referrer's referrals with these user ids; unknown ones left out. */
  getReferrals(referrerId: string, userIds: readonly string[]): Promise<Referral[]>;
  /**
   * Referrals upserted after the listing that returned `since` (null: all of them), and the
   * cursor for the next call. No upsert is ever missed, also with several processes writing;
   * a backend may return some referrals again (each adapter says how many).
   */
  listReferralChanges(referrerId: string, since: string | null): Promise<ReferralChanges>;
}
