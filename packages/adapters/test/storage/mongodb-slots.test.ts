import { describe, expect, it } from "vitest";
import type { Collection } from "mongodb";
import type { CounterDocument } from "../../src/storage/mongodb/documents.js";
import { mongoCounters } from "../../src/storage/mongodb/counters.js";
import { serverTurns } from "./support/server-turns.js";

/**
 * A counters collection in memory that answers the adapter's two commands (the conditional
 * upsert `findOneAndUpdate`, the give-back `updateOne`) one event-loop turn later, as a server
 * would, and records how many were in flight at once.
 */
function fakeCounters() {
  const docs = new Map<string, { count: number }>();
  const { answer, seen } = serverTurns();
  const collection = {
    findOneAndUpdate: (filter: { _id: string; count: { $lt: number } }, update: { $inc: { count: number } }, options?: { upsert?: boolean }) =>
      answer("findOneAndUpdate", () => {
        const doc = docs.get(filter._id);
        if (doc && doc.count < filter.count.$lt) {
          doc.count += update.$inc.count;
          return { ...doc };
        }
        if (!doc && options?.upsert) {
          docs.set(filter._id, { count: 1 });
          return { count: 1 };
        }
        return null;
      }),
    updateOne: (filter: { _id: string }, update: { $inc: { count: number } }) =>
      answer("updateOne", () => {
        const doc = docs.get(filter._id);
        if (doc && doc.count > 0) doc.count += update.$inc.count;
        return { modifiedCount: doc ? 1 : 0 };
      }),
  };
  return { collection: collection as unknown as Collection<CounterDocument>, docs, seen };
}

const id = (day: string) => JSON.stringify(["referrer-1", day]);

describe("MongoDB: a send's slots", () => {
  it("are taken in one round trip: every slot's conditional upsert in flight at once", async () => {
    const { collection, seen } = fakeCounters();
    const counters = mongoCounters(collection);
    const answer = await counters.tryIncrementAll("referrer-1", [
      { day: "first-contact:2026-01-05", cap: 3 },
      { day: "2026-01-05", cap: 10 },
    ]);
    expect(answer).toEqual({ counted: true });
    expect(seen.commands).toEqual(["findOneAndUpdate", "findOneAndUpdate"]);
    expect(seen.maxInFlight).toBe(2);
  });

  it("a full slot gives back every slot counted, and names the first full one in slot order", async () => {
    const { collection, docs, seen } = fakeCounters();
    docs.set(id("2026-01-05"), { count: 10 });
    docs.set(id("first-contact:2026-01-05"), { count: 1 });
    const counters = mongoCounters(collection);
    const answer = await counters.tryIncrementAll("referrer-1", [
      { day: "first-contact:2026-01-05", cap: 3 },
      { day: "2026-01-05", cap: 10 },
    ]);
    expect(answer).toEqual({ counted: false, full: 1 });
    expect(docs.get(id("first-contact:2026-01-05"))).toEqual({ count: 1 });
    expect(docs.get(id("2026-01-05"))).toEqual({ count: 10 });
    expect(seen.commands.filter((name) => name === "updateOne")).toHaveLength(1);
  });
});
