import type { DailyCounterRepository } from "@relance/core";
import type { Collection } from "./collection.js";

export function createFileCounters(counters: Collection): DailyCounterRepository {
  const key = (referrerUserId: string, day: string) => JSON.stringify([referrerUserId, day]);

  return {
    async tryIncrement(referrerUserId, day, cap) {
      const _id = key(referrerUserId, day);
      // Make sure the counter exists, then add one only while below the cap: each step is one
      // nedb operation, and the second is the compare-and-set.
      if (!(await counters.findOne({ _id }))) await counters.insert({ _id, referrerUserId, day, count: 0 });
      const doc = await counters.updateOne({ _id, count: { $lt: cap } }, { $inc: { count: 1 } });
      return doc ? (doc.count as number) : null;
    },

    async decrement(referrerUserId, day) {
      await counters.updateOne({ _id: key(referrerUserId, day), count: { $gt: 0 } }, { $inc: { count: -1 } });
    },

    async get(referrerUserId, day) {
      const doc = await counters.findOne({ _id: key(referrerUserId, day) });
      return doc ? (doc.count as number) : 0;
    },

    async sumForDay(day) {
      const docs = await counters.find({ day }, { projection: { count: 1 } });
      return docs.reduce((sum, doc) => sum + (doc.count as number), 0);
    },
  };
}
