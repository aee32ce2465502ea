import type { ExitReason } from "../../model/target.js";

export interface ExitedUser {
  userId: string;
  reason: ExitReason;
  exitedAt: Date;
}

/** Referrals the platform took out of the loop (paid, manual): never enrolled again, by any referrer. */
export interface ExitedUserRepository {
  /** Idempotent; the first record for a user is kept. */
  record(entry: ExitedUser): Promise<void>;
  get(userId: string): Promise<ExitedUser | null>;
  /** Of the given user ids, those recorded. */
  filterExited(userIds: readonly string[]): Promise<Set<string>>;
  /** Up to `limit` ids of users recorded before `before`, in id order, after the id `after` (null: from the first). */
  listExitedBefore(before: Date, after: string | null, limit: number): Promise<string[]>;
}
