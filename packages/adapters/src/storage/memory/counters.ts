import type { CappedCounterRepository, CounterSlot, CounterSlotsAnswer } from "@relance/core";

/** day → referrer → count, so sumForDay reads one bucket. Shared with the targets' `claimReserving`. */
export type CounterDays = Map<string, Map<string, number>>;

function bucketOf(days: CounterDays, day: string): Map<string, number> {
  let referrers = days.get(day);
  if (!referrers) days.set(day, (referrers = new Map()));
  return referrers;
}

/** `tryIncrementAll`, synchronous: callers that must change something else in the same step use it. */
export function countAll(days: CounterDays, referrerUserId: string, slots: readonly CounterSlot[]): CounterSlotsAnswer {
  const full = slots.findIndex((slot) => (bucketOf(days, slot.day).get(referrerUserId) ?? 0) >= slot.cap);
  if (full >= 0) return { counted: false, full };
  for (const slot of slots) bucketOf(days, slot.day).set(referrerUserId, (bucketOf(days, slot.day).get(referrerUserId) ?? 0) + 1);
  return { counted: true };
}

export function createMemoryCounters(days: CounterDays = new Map()): CappedCounterRepository {
  const bucket = (day: string) => bucketOf(days, day);

  return {
    async tryIncrement(referrerUserId, day, cap) {
      const referrers = bucket(day);
      const count = referrers.get(referrerUserId) ?? 0;
      if (count >= cap) return null;
      referrers.set(referrerUserId, count + 1);
      return count + 1;
    },

    async tryIncrementAll(referrerUserId, slots) {
      return countAll(days, referrerUserId, slots);
    },

    async decrement(referrerUserId, day) {
      const referrers = bucket(day);
      const count = referrers.get(referrerUserId) ?? 0;
      if (count > 0) referrers.set(referrerUserId, count - 1);
    },

    async get(referrerUserId, day) {
      return days.get(day)?.get(referrerUserId) ?? 0;
    },

    async purgeBefore(ownerPrefix, before) {
      let deleted = 0;
      for (const [day, referrers] of days) {
        if (!(day < before)) continue;
        for (const owner of [...referrers.keys()]) {
          if (!owner.startsWith(ownerPrefix)) continue;
          referrers.delete(owner);
          deleted++;
        }
        if (referrers.size === 0) days.delete(day);
      }
      return deleted;
    },

    async listRange(owner, fromKey, toKey) {
      const entries = [];
      for (const [day, referrers] of days) {
        const count = referrers.get(owner);
        if (count !== undefined && count > 0 && day >= fromKey && day < toKey) entries.push({ key: day, count });
      }
      return entries.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    },

    async sumForDay(day) {
      let sum = 0;
      for (const count of days.get(day)?.values() ?? []) sum += count;
      return sum;
    },
  };
}
