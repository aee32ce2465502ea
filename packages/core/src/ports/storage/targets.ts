import type { E164 } from "../../model/phone.js";
import type { ExitReason, Target, TargetStatus } from "../../model/target.js";
import type { CounterSlot, CounterTally } from "./counters.js";
import type { TargetChanges, TargetCondition } from "./target-changes.js";
import type { LiftCounts, TargetStats } from "./target-stats.js";

export interface TargetListFilter {
  referrerUserId?: string;
  status?: TargetStatus;
}

export interface TargetPage {
  items: Target[];
  /** Opaque; pass back as `after` for the next page. Null at the end. */
  nextCursor: string | null;
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
   * A write that also counts, in one call: applies `changes` under `condition` (as `updateIf`, same
   * answer) and, when it applied, adds 1 to the counter `tally` (no cap). Dispatch carries a
   * send's health count (its sender's "sent" series) on the record that clears the `sending` claim:
   * only one write ever applies under that claim (the record, or the history-only record after an
   * exit), so the count lands once per message recorded, however often a failed write is retried
   * or replayed, and a lost answer (applied, then the error) does not count it twice.
   *
   * Where the backend has transactions (memory, SQLite: one transaction) both land or neither.
   * MongoDB (the counter is another collection, no transaction): both writes are issued at once,
   * one round trip of latency; the count is taken back when the target's write did not apply (its
   * condition failed, or it failed: the error is thrown then). A count refused while the write
   * applied is not retried: the updated target is answered (one count fewer); a take-back that
   * fails leaves one count too many.
   */
  updateIfCounting(id: string, condition: TargetCondition, changes: TargetChanges, tally: CounterTally): Promise<Target | null>;
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

/** Answer of {@link TargetRepository.claimReserving}: claimed with every slot taken, or neither (and which slot was full, if one was). */
export type ClaimReservingAnswer = { claimed: Target; full?: undefined } | { claimed: null; full: number | null };
