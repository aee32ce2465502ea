import type { CappedCounterRepository } from "./counters.js";
import type { ReferrerConfigRepository } from "./configs.js";
import type { DoNotContactRepository } from "./do-not-contact.js";
import type { EnrollmentCursorRepository } from "./enrollment-cursors.js";
import type { ExitedUserRepository } from "./exited-users.js";
import type { LeaseRepository } from "./leases.js";
import type { MessageRepository } from "./messages.js";
import type { SettingsRepository } from "./settings.js";
import type { TargetRepository } from "./targets.js";

/**
 * Persistence of everything the loop needs. Adapters (memory, SQLite, MongoDB) all pass the same
 * contract suite. The operations marked "atomic" are what the guarantees rest on: they must hold
 * with many concurrent callers in many processes, without multi-document transactions.
 *
 * Adapters prefix their error messages with their name (`[mongodb] ...`) and wrap driver errors
 * in a `StorageError` with the original as `cause`.
 *
 * It holds what the core uses, nothing else: the stores other adapters keep in the same backend
 * (the transports' encrypted session entries, the stored directory's records) are theirs
 * (`StorageBackend` in `@relance/adapters`); the core reaches the directory's records through
 * the `Directory` port (`eraseUser`, `purgeReferrals`).
 */
export interface RelanceStorage {
  /** `memory`, `sqlite`, `mongodb`, ... */
  readonly name: string;
  /** Opens files, creates indexes. Idempotent. */
  init(): Promise<void>;
  /** Resolves when the backing store answers; rejects otherwise (readiness probes). */
  ping(): Promise<void>;
  /** Flushes and releases resources. Data acknowledged before `close` survives a reopen. */
  close(): Promise<void>;
  /**
   * After an erasure or a key rotation: leaves no copy of deleted or overwritten data in the
   * store's live files (SQLite, with secure_delete: the WAL checkpointed and truncated). Optional: a
   * backend without such copies, or that cannot do it online (MongoDB), leaves it out.
   */
  reclaim?(): Promise<void>;

  readonly configs: ReferrerConfigRepository;
  readonly messages: MessageRepository;
  readonly targets: TargetRepository;
  readonly counters: CappedCounterRepository;
  readonly doNotContact: DoNotContactRepository;
  readonly leases: LeaseRepository;
  readonly exitedUsers: ExitedUserRepository;
  readonly enrollmentCursors: EnrollmentCursorRepository;
  readonly settings: SettingsRepository;
}
