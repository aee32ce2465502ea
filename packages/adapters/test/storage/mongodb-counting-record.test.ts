import { describe, expect, it } from "vitest";
import type { Collection } from "mongodb";
import { StorageError, type CappedCounterRepository } from "@relance/core";
import type { TargetDocument } from "../../src/storage/mongodb/documents.js";
import { mongoTargets } from "../../src/storage/mongodb/targets.js";
import { toTargetDocument } from "../../src/storage/mongodb/target-mapping.js";
import { makeTarget } from "../../src/testing/builders.js";
import { serverTurns } from "./support/server-turns.js";

/*
 * MongoDB's `targets.updateIfCounting` (a send's record and its health count): the target and the
 * counter are two collections, so the two writes go at once (one round trip of latency) and the
 * count is taken back when the target's write did not apply (a retry then counts once). Around fakes answering one
 * event-loop turn later, as a server would; the contract suite runs the rest on a real server.
 */

const tally = { owner: "health:referrer-1", key: "2026-01-05T08:s" };
const changes = { claim: null, updatedAt: new Date("2026-01-05T08:00:00Z") };
const condition = { status: "active" as const, claimedBy: { owner: "run-a", stage: "sending" as const } };

function fakes(targetWrite: () => TargetDocument | null) {
  const { answer, seen } = serverTurns();
  const counts = new Map<string, number>();
  const targets = { findOneAndUpdate: () => answer("targets.findOneAndUpdate", targetWrite) } as unknown as Collection<TargetDocument>;
  const counters = {
    tryIncrement: (owner: string, key: string) => answer("counters.tryIncrement", () => counts.set(`${owner}|${key}`, (counts.get(`${owner}|${key}`) ?? 0) + 1).get(`${owner}|${key}`)!),
    decrement: (owner: string, key: string) => answer("counters.decrement", () => void counts.set(`${owner}|${key}`, Math.max(0, (counts.get(`${owner}|${key}`) ?? 0) - 1))),
  } as unknown as CappedCounterRepository;
  return { repository: mongoTargets(targets, counters), seen, count: () => counts.get(`${tally.owner}|${tally.key}`) ?? 0 };
}

describe("MongoDB: a write that counts (updateIfCounting)", () => {
  it("sends the target's write and the count at once: one round trip of latency", async () => {
    const target = makeTarget();
    const { repository, seen, count } = fakes(() => toTargetDocument(target));
    expect(await repository.updateIfCounting(target.id, condition, changes, tally)).toMatchObject({ id: target.id });
    expect(seen.commands.sort()).toEqual(["counters.tryIncrement", "targets.findOneAndUpdate"]);
    expect(seen.maxInFlight).toBe(2);
    expect(count()).toBe(1);
  });

  it("the target's write fails: its count is taken back and the error thrown, so a retry counts once", async () => {
    const target = makeTarget();
    let fail = true;
    const { repository, count } = fakes(() => {
      if (fail) throw new Error("not primary");
      return toTargetDocument(target);
    });
    await expect(repository.updateIfCounting(target.id, condition, changes, tally)).rejects.toBeInstanceOf(StorageError);
    expect(count()).toBe(0);
    fail = false;
    expect(await repository.updateIfCounting(target.id, condition, changes, tally)).toMatchObject({ id: target.id });
    expect(count()).toBe(1);
  });

  it("the target's condition fails: nothing counted once it answered", async () => {
    const { repository, seen, count } = fakes(() => null);
    expect(await repository.updateIfCounting("target-x", condition, changes, tally)).toBeNull();
    expect(count()).toBe(0);
    expect(seen.commands).toContain("counters.decrement");
  });
});
