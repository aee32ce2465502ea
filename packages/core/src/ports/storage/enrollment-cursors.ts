/** Where a referrer's enrollment stopped reading the directory. */
export interface EnrollmentCursor {
  referrerUserId: string;
  /** The directory's cursor after the last pass (opaque); null: the next pass lists everything. */
  since: string | null;
  /** Referrals read but too recent to enroll yet: read again, by id, on the next passes. */
  waiting: string[];
  updatedAt: Date;
}

export interface EnrollmentCursorRepository {
  get(referrerUserId: string): Promise<EnrollmentCursor | null>;
  /** Insert or replace by `referrerUserId`. */
  set(cursor: EnrollmentCursor): Promise<void>;
}
