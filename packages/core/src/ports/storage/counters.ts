/** One counter of a {@link CappedCounterRepository.tryIncrementAll} call. */
export interface CounterSlot {
  /** The counter's key (a local day for the daily cap). */
  day: string;
  cap: number;
}

/**
 * One counter a conditional write adds 1 to when it applies, without a cap (`targets.updateIfCounting`):
 * `owner` and `key` as {@link CappedCounterRepository} takes them (a sender's hourly health count:
 * owner `health:<referrer>`, key `<hour>:s`), read back by `get` and `listRange`.
 */
export interface CounterTally {
  owner: string;
  key: string;
}

export type CounterSlotsAnswer = { counted: true } | { counted: false; full: number };

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
