import type { DailyCounterRepository } from "@relance/core";
import type { Collection } from "mongodb";
import type { CounterDocument } from "./documents.js";
import { isDuplicateKey, wrap } from "./errors.js";

export function mongoCounters(counters: Collection<CounterDocument>): DailyCounterRepository {
  const idOf = (referrerUserId: string, day: string) => JSON.stringify([referrerUserId, day]);

  return {
    tryIncrement: (referrerUserId: string, day: string, cap: number) =>
      wrap("counters.tryIncrement", async () => {
        // The upsert below would insert a count of 1 whatever the cap.
        if (!(cap >= 1)) return null;
        const filter = { _id: idOf(referrerUserId, day), count: { $lt: cap } };
        try {
          const doc = await counters.findOneAndUpdate(
            filter,
            { $inc: { count: 1 }, $setOnInsert: { referrerUserId, day, createdAt: new Date() } },
            { upsert: true, returnDocument: "after" },
          );
          return doc?.count ?? null;
        } catch (error) {
          if (!isDuplicateKey(error)) throw error;
        }
        // The upsert collided on `_id`: the counter exists, either at the cap or created by a
        // concurrent first increment. Only the existing document can decide which.
        const doc = await counters.findOneAndUpdate(filter, { $inc: { count: 1 } }, { returnDocument: "after" });
        return doc?.count ?? null;
      }),

    decrement: (referrerUserId: string, day: string) =>
      wrap("counters.decrement", async () => {
        await counters.updateOne({ _id: idOf(referrerUserId, day), count: { $gt: 0 } }, { $inc: { count: -1 } });
      }),

    get: (referrerUserId: string, day: string) =>
      wrap("counters.get", async () => (await counters.findOne({ _id: idOf(referrerUserId, day) }))?.count ?? 0),

    purgeBefore: (ownerPrefix: string, before: string) =>
      wrap("counters.purgeBefore", async () => {
        // A range, not a regex: the prefix is taken literally.
        const result = await counters.deleteMany({ referrerUserId: { $gte: ownerPrefix, $lt: `${ownerPrefix}\u{10FFFF}` }, day: { $lt: before } });
        return result.deletedCount;
      }),

    sumForDay: (day: string) =>
      wrap("counters.sumForDay", async () => {
        const [total] = await counters
          .aggregate<{ total: number }>([{ $match: { day } }, { $group: { _id: null, total: { $sum: "$count" } } }])
          .toArray();
        return total?.total ?? 0;
      }),
  };
}
