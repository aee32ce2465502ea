import type { DoNotContactEntry } from "../model/do-not-contact.js";
import type { MessageDefinition } from "../model/message.js";
import type { E164 } from "../model/phone.js";
import type { ReferrerConfig } from "../model/referrer-config.js";
import type { StoredSettings } from "../model/settings.js";
import type {
  Delivery,
  ExitReason,
  Target,
  TargetClaim,
  TargetContact,
  TargetStatus,
} from "../model/target.js";

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

/** The one service-wide settings record (`/admin/settings`). */
export interface SettingsRepository {
  /** The stored settings; null until an admin first set one. */
  get(): Promise<StoredSettings | null>;
  /**
   * Sets the given fields (others are kept), creating the record if needed; returns it. Two
   * admins changing different fields at once both keep their change.
   */
  update(changes: Omit<StoredSettings, "updatedAt">, at: Date): Promise<StoredSettings>;
}

export type ReferrerConfigChanges = Partial<Omit<ReferrerConfig, "referrerUserId" | "createdAt">>;

export interface ReferrerConfigRepository {
  get(referrerUserId: string): Promise<ReferrerConfig | null>;
  getMany(referrerUserIds: readonly string[]): Promise<ReferrerConfig[]>;
  /**
   * The version check of a config read earlier: `"unchanged"` while its `updatedAt` is still
   * `since` (nothing else is read), the config when it changed, null when there is none. Every
   * update sets `updatedAt`, so a changed config is never taken for the one read.
   */
  getIfChanged(referrerUserId: string, since: Date): Promise<ReferrerConfig | null | "unchanged">;
  /** Atomic: inserts `initial` unless a config exists; returns the stored config either way. */
  getOrCreate(initial: ReferrerConfig): Promise<ReferrerConfig>;
  /**
   * Sets the given top-level fields; returns the new config, or null when there is none. With
   * `condition.updatedAt`, atomic compare-and-set: applies only while the stored `updatedAt` is
   * that instant (null otherwise), so a read-modify-write never overwrites a change made since.
   */
  update(referrerUserId: string, changes: ReferrerConfigChanges, condition?: { updatedAt: Date }): Promise<ReferrerConfig | null>;
  /**
   * Atomic: sets `failureNotifiedAt` only if it is null. True for the one caller that set it,
   * so a referrer is notified once per outage even with several dispatchers.
   */
  markFailureNotified(referrerUserId: string, at: Date): Promise<boolean>;
  /** Erasure: true when a config was deleted. */
  delete(referrerUserId: string): Promise<boolean>;
  /** Configs with `enabled`, not `enrollmentPaused`, `whatsapp.linkedAt` set and not logged out. */
  listEnrollable(): Promise<ReferrerConfig[]>;
}

export interface MessageRepository {
  /** Every message, active or not, ordered by `dayNumber`. */
  list(): Promise<MessageDefinition[]>;
  get(dayNumber: number): Promise<MessageDefinition | null>;
  /** Insert or replace by `dayNumber`; `created` tells which. */
  upsert(message: MessageDefinition): Promise<{ created: boolean; message: MessageDefinition }>;
  /** True when a message was deleted. */
  delete(dayNumber: number): Promise<boolean>;
}

/** Conditions of {@link TargetRepository.updateIf}; all given ones must hold. */
export interface TargetCondition {
  status?: TargetStatus;
  currentDay?: number;
  revision?: number;
  /** `nextMessageDue <= dueBy`. */
  dueBy?: Date;
  /** The claim is held by this owner (and at this stage, if given). */
  claimedBy?: { owner: string; stage?: TargetClaim["stage"] };
  /**
   * No live claim at this instant: `claim` is null, or it expired while still at stage
   * `claimed`. An expired `sending` claim never frees the target: that day may have left.
   */
  unclaimedAt?: Date;
}

/** Fields a conditional update sets. `revision` is incremented by the adapter itself. */
export interface TargetChanges {
  status?: TargetStatus;
  currentDay?: number;
  nextMessageDue?: Date | null;
  failedAttempts?: number;
  lastSentDay?: number | null;
  lastSentVariant?: string | null;
  repliedAt?: Date | null;
  exitedLoopAt?: Date | null;
  exitReason?: ExitReason | null;
  exitDay?: number | null;
  claim?: TargetClaim | null;
  contact?: TargetContact;
  /** Replaces the whole array (receipts use it with a `revision` condition). */
  messagesDelivered?: Delivery[];
  /** Appends one delivery. Not to be combined with `messagesDelivered`. */
  pushDelivery?: Delivery;
  updatedAt: Date;
}

export interface TargetListFilter {
  referrerUserId?: string;
  status?: TargetStatus;
}

export interface TargetPage {
  items: Target[];
  /** Opaque; pass back as `after` for the next page. Null at the end. */
  nextCursor: string | null;
}

/** One variant of one day: messages of it that left, and conversions attributed to it. */
export interface VariantStats {
  sent: number;
  converted: number;
}

/** One group of the lift: its targets, and the paid exits among them by day of the loop. */
export interface LiftGroupCounts {
  targets: number;
  converted: number;
  /** Paid exits by `exitDay` (those without one are in `converted` only). */
  convertedByDay: Record<string, number>;
}

/** The targets enrolled while a holdout was set, by group (see `Target.group`). */
export interface LiftCounts {
  treated: LiftGroupCounts;
  holdout: LiftGroupCounts;
}

export interface TargetStats {
  enrolled: number;
  active: number;
  completed: number;
  exited: Partial<Record<ExitReason, number>>;
  messages: { sent: number; delivered: number; read: number; failed: number };
  /**
   * Paid exits that had received at least one message, by the last day sent before paying;
   * `byVariant[day][variant]`: messages sent of that day's variant, and the paid exits whose
   * last day sent was that variant. Days without variants are absent from `byVariant`.
   */
  conversions: { total: number; byDay: Record<string, number>; byVariant: Record<string, Record<string, VariantStats>> };
}

export interface TargetRepository {
  /** Atomic: inserts unless a target exists for (referrerUserId, referralUserId). True if inserted. */
  insertIfAbsent(target: Target): Promise<boolean>;
  get(id: string): Promise<Target | null>;
  /** Of the given referral ids, those that already have a target of this referrer (any status). */
  findExistingReferralIds(referrerUserId: string, referralUserIds: readonly string[]): Promise<Set<string>>;
  /**
   * Distinct referrers having active targets with `nextMessageDue <= now`, the one whose oldest
   * due target waited longest first (then by id): a referrer that keeps deferring its targets
   * (held) moves behind the ones waiting, so none starves behind a fixed number of others.
   */
  listDueReferrers(now: Date, limit: number): Promise<string[]>;
  /**
   * Active targets of one referrer with `nextMessageDue <= now` and no live claim (see
   * {@link TargetCondition.unclaimedAt}), oldest due first.
   */
  listDue(referrerUserId: string, now: Date, limit: number): Promise<Target[]>;
  /** Targets whose claim reached stage `sending` and expired: their process died mid-send. */
  listInterrupted(now: Date, limit: number): Promise<Target[]>;
  /**
   * Atomic compare-and-set: applies `changes` only if every condition holds; returns the updated
   * target, or null when a condition failed or the target does not exist.
   */
  updateIf(id: string, condition: TargetCondition, changes: TargetChanges): Promise<Target | null>;
  /**
   * A send's claim and its reservations in one call: applies `changes` under `condition` (as
   * `updateIf`) and adds 1 to every counter of `reservation.slots` (as
   * `counters.tryIncrementAll`), both or neither. `{ claimed }` with the target as updated;
   * `{ claimed: null, full }` with the index of a slot found at its cap (the target untouched);
   * `{ claimed: null, full: null }` when a condition failed (no count changed). Once it resolved,
   * nothing is held but what `claimed` says; a backend without multi-document atomicity takes the
   * slots first and gives them back when the condition fails (a storage error in between leaves
   * them taken: one send fewer that day at most). N concurrent callers never push a count past its cap.
   */
  claimReserving(id: string, condition: TargetCondition, changes: TargetChanges, reservation: { referrerUserId: string; slots: readonly CounterSlot[] }): Promise<ClaimReservingAnswer>;
  /**
   * Atomic per target, one round trip: moves `nextMessageDue` to `until` for every active target of
   * the referrer that is due (`nextMessageDue <= now`) and has no live claim (see
   * {@link TargetCondition.unclaimedAt}). Returns how many moved. For a closed send window or a
   * reached daily limit. Increments `revision` and sets `updatedAt` to `now` on each target moved.
   */
  deferDue(referrerUserId: string, now: Date, until: Date): Promise<number>;
  /**
   * Atomic per target, one round trip: the way back from a hold. Moves `nextMessageDue` to `now`
   * for every active target of the referrer due after `now` but by `until`, with no live claim
   * (see {@link TargetCondition.unclaimedAt}). Returns how many moved; increments `revision` and
   * sets `updatedAt` to `now` on each.
   */
  resumeDue(referrerUserId: string, now: Date, until: Date): Promise<number>;
  /**
   * Exits every target of the referrer still in its loop (status active or holdout) with `reason` (`exitedLoopAt = at`,
   * `nextMessageDue = null`; claims are left in place, as an exit through `updateIf` does).
   * Returns how many exited. Atomic per target; increments `revision` and sets `updatedAt` to
   * `at` on each target exited.
   */
  exitActiveOfReferrer(referrerUserId: string, reason: ExitReason, at: Date): Promise<number>;
  /** Targets of a referral still in their loop (status active or holdout), across referrers. */
  listActiveByReferral(referralUserId: string): Promise<Target[]>;
  /** The distinct numbers the referral's targets hold, whatever their status (erasure's tombstone). */
  phonesOfReferral(referralUserId: string): Promise<E164[]>;
  /**
   * The distinct (referrer, number) pairs of the referral's targets, whatever their status: which
   * referrers' WhatsApp sessions may hold something of the person (erasure), without a scan.
   */
  contactsOfReferral(referralUserId: string): Promise<Array<{ referrerUserId: string; phone: E164 }>>;
  /**
   * Targets of a referrer still in their loop (status active or holdout); with `phone`, only
   * those addressed to that number.
   */
  listActiveByReferrer(referrerUserId: string, phone?: E164): Promise<Target[]>;
  /**
   * Atomic per target: up to `limit` targets of status `holdout` whose sequence has ended
   * (`nextMessageDue <= now`) become `completed` with `completed_7_days` (`exitedLoopAt = now`,
   * `nextMessageDue = null`). Returns how many; increments `revision`, sets `updatedAt` to `now`.
   */
  completeHoldouts(now: Date, limit: number): Promise<number>;
  /** The target one of whose deliveries has this transport message id (text or media). */
  findByMessageId(messageId: string): Promise<Target | null>;
  /** Ordered by id; stable while targets are inserted (ids only grow). */
  list(filter: TargetListFilter, page: { limit: number; after?: string | null }): Promise<TargetPage>;
  stats(filter: { referrerUserId?: string }): Promise<TargetStats>;
  /** The lift's counts, aggregated in the store (a few groups, whatever the number of targets). */
  liftCounts(filter: { referrerUserId?: string }): Promise<LiftCounts>;
  /**
   * Retention: the first `limit` targets, by id, that left the loop (`exitedLoopAt`) before
   * `endedBefore` and still hold a contact (not `PURGED_CONTACT`).
   */
  listPurgeable(endedBefore: Date, limit: number): Promise<PurgeableTarget[]>;
  /**
   * Retention: the targets of `ids` that left the loop (not active) get `PURGED_CONTACT` in place
   * of their contact (phone, name, payment link); increments their `revision`. Returns how many;
   * already purged ones, active ones and unknown ids are not counted.
   */
  purgeContacts(ids: readonly string[]): Promise<number>;
  /** Erasure: deletes every target where `userId` is the referral or the referrer. Returns how many. */
  deleteByUser(userId: string): Promise<number>;
}

/** A target retention will purge: what names its records elsewhere (the stored directory's). */
export interface PurgeableTarget {
  id: string;
  referrerUserId: string;
  referralUserId: string;
}

/** One counter of a {@link CappedCounterRepository.tryIncrementAll} call. */
export interface CounterSlot {
  day: string;
  cap: number;
}

export type CounterSlotsAnswer = { counted: true } | { counted: false; full: number };

/** Answer of {@link TargetRepository.claimReserving}: claimed with every slot taken, or neither (and which slot was full, if one was). */
export type ClaimReservingAnswer = { claimed: Target; full?: undefined } | { claimed: null; full: number | null };

/** One counter as {@link CappedCounterRepository.listRange} reads it back. */
export interface CounterEntry {
  key: string;
  count: number;
}

/**
 * Capped counters, one per (`owner`, `key`): a count that N concurrent callers never push past a
 * cap. The core keeps a referrer's daily send cap (owner: the referrer, key: its local
 * `YYYY-MM-DD`), its first-contact budget (key `first-contact:<day>`) and its sender-health
 * counts in it; the HTTP edge its rate limits and spent link ids. The parameters keep their
 * historic names (`referrerUserId`, `day`): they are the owner and the key.
 */
export interface CappedCounterRepository {
  /**
   * Atomic: adds 1 unless the count already reached `cap`. Returns the new count, or null when
   * the cap was reached. N concurrent callers never push the count past `cap`.
   */
  tryIncrement(referrerUserId: string, day: string, cap: number): Promise<number | null>;
  /**
   * Atomic per counter, all or nothing: adds 1 to every counter of `slots` (same referrer) unless
   * one already reached its cap. `{ counted: true }`, or `{ counted: false, full }` with the index
   * of a slot found at its cap; no count is changed then, once the call resolved (a backend may
   * hold a slot for the instant it takes to give it back). N concurrent callers never push a count
   * past its cap. One round trip when no slot is full: a send's reservations (first contact,
   * daily cap) cost one call.
   */
  tryIncrementAll(referrerUserId: string, slots: readonly CounterSlot[]): Promise<CounterSlotsAnswer>;
  /** Gives back a reservation whose send did not happen. Never goes below 0. */
  decrement(referrerUserId: string, day: string): Promise<void>;
  get(referrerUserId: string, day: string): Promise<number>;
  /** Sum over all referrers for that day key. */
  sumForDay(day: string): Promise<number>;
  /**
   * The counters of `owner` (taken literally) whose key sorts in [`fromKey`, `toKey`) in plain
   * string order, ordered by key; counters at 0 may be left out. One round trip on an index: a
   * sender's hourly health counters over the last days are read with it, never its targets.
   */
  listRange(owner: string, fromKey: string, toKey: string): Promise<CounterEntry[]>;
  /**
   * Expiry of short-lived counters (rate limits, spent link ids): deletes those whose owner starts
   * with `ownerPrefix` (taken literally) and whose key sorts before `before` (keys are ISO
   * instants there). Returns how many were deleted. Other owners are never touched.
   */
  purgeBefore(ownerPrefix: string, before: string): Promise<number>;
}

/** @deprecated Renamed {@link CappedCounterRepository} (it holds more than daily counts). */
export type DailyCounterRepository = CappedCounterRepository;

export interface DoNotContactRepository {
  /** Idempotent; the first entry for a number is kept. */
  add(entry: DoNotContactEntry): Promise<void>;
  has(phone: E164): Promise<boolean>;
  /** Of the given numbers, those on the list. */
  filterListed(phones: readonly E164[]): Promise<Set<E164>>;
  remove(phone: E164): Promise<boolean>;
}

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
}

export interface Lease {
  name: string;
  owner: string;
  expiresAt: Date;
}

/** Named, expiring locks: one process drives a WhatsApp session (or a sender's queue) at a time. */
export interface LeaseRepository {
  /**
   * Atomic: takes the lease if it is free, expired, or already held by `owner` (which renews
   * it). True when `owner` holds it afterwards, until `now + ttlMs`.
   */
  acquire(name: string, owner: string, now: Date, ttlMs: number): Promise<boolean>;
  /** Releases it if `owner` holds it. True when released. */
  release(name: string, owner: string): Promise<boolean>;
  get(name: string): Promise<Lease | null>;
}

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
