import type { CappedCounterRepository, CounterSlotsAnswer } from "@relance/core";
import type { Collection } from "mongodb";
import type { CounterDocument } from "./documents.js";
import { isDuplicateKey, wrap } from "./errors.js";

export function mongoCounters(counters: Collection<CounterDocument>): CappedCounterRepository {
  const idOf = (referrerUserId: string, day: string) => JSON.stringify([referrerUserId, day]);

  async function incrementOne(referrerUserId: string, day: string, cap: number): Promise<number | null> {
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
  }

  const giveBack = (referrerUserId: string, day: string) => counters.updateOne({ _id: idOf(referrerUserId, day), count: { $gt: 0 } }, { $inc: { count: -1 } });

  return {
    tryIncrement: (referrerUserId: string, day: string, cap: number) => wrap("counters.tryIncrement", () => incrementOne(referrerUserId, day, cap)),

    tryIncrementAll: (referrerUserId, slots) =>
      wrap("counters.tryIncrementAll", async (): Promise<CounterSlotsAnswer> => {
        // Every slot's conditional upsert at once: one round trip of latency for a first contact's
        // two or three slots, as for a follow-up's one. Not one command: the slots are separate
        // documents, and an ordered bulk's outcome is not reliably reported when one of its
        // upserts collides (FerretDB 1 reports index 0 and nothing applied for a bulk whose
        // first upsert did apply), so which slot to give back would be unknown. Each command
        // answers for its own slot; when one is full (or fails), the others counted are given back.
        const answers = await Promise.allSettled(slots.map((slot) => incrementOne(referrerUserId, slot.day, slot.cap)));
        const full = answers.findIndex((answer) => answer.status === "fulfilled" && answer.value === null);
        const failed = answers.find((answer): answer is PromiseRejectedResult => answer.status === "rejected");
        if (full === -1 && !failed) return { counted: true };
        for (const [i, answer] of answers.entries()) {
          if (answer.status === "fulfilled" && answer.value !== null) await giveBack(referrerUserId, slots[i]!.day);
        }
        if (failed) throw failed.reason;
        return { counted: false, full };
      }),

    decrement: (referrerUserId: string, day: string) =>
      wrap("counters.decrement", async () => {
        await giveBack(referrerUserId, day);
      }),

    get: (referrerUserId: string, day: string) =>
      wrap("counters.get", async () => (await counters.findOne({ _id: idOf(referrerUserId, day) }))?.count ?? 0),

    purgeBefore: (ownerPrefix: string, before: string) =>
      wrap("counters.purgeBefore", async () => {
        // A range, not a regex: the prefix is taken literally.
        const result = await counters.deleteMany({ referrerUserId: { $gte: ownerPrefix, $lt: `${ownerPrefix}\u{10FFFF}` }, day: { $lt: before } });
        return result.deletedCount;
      }),

    listRange: (owner: string, fromKey: string, toKey: string) =>
      wrap("counters.listRange", async () => {
        // A range on `_id` (the JSON of [owner, key]), always indexed: the owner's JSON prefix is
        // the same for all its keys, and JSON escapes keep the order of the plain keys compared
        // here (hour keys: ASCII letters, digits, - : ;).
        const docs = await counters
          .find({ _id: { $gte: idOf(owner, fromKey), $lt: idOf(owner, toKey) }, referrerUserId: owner, count: { $gt: 0 } })
          .sort({ _id: 1 })
          .toArray();
        return docs.filter((doc) => doc.day >= fromKey && doc.day < toKey).map((doc) => ({ key: doc.day, count: doc.count }));
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
