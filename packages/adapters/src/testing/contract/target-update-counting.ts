import { describe, expect, it } from "vitest";
import type { TargetClaim } from "@relance/core";
import { at, MINUTE, makeTarget, T0 } from "../builders.js";
import { range, type ContractContext } from "./context.js";

const sending = (owner: string): TargetClaim => ({ owner, day: 1, stage: "sending", at: T0, expiresAt: at(MINUTE) });
const mine = (owner: string) => ({ status: "active" as const, currentDay: 1, claimedBy: { owner, stage: "sending" as const } });
// A sender's hourly "sent" health count, as dispatch carries it on a send's record.
const tally = { owner: "health:referrer-1", key: "2026-01-05T08:s" };
const record = { currentDay: 2, lastSentDay: 1, claim: null, updatedAt: T0 };

/**
 * `targets.updateIfCounting`: a conditional write that also counts, in one call: counted when the
 * write applies, so a write that applies once (a send's record under its claim) counts once however
 * often it is tried.
 */
export function describeTargetUpdateCounting(ctx: ContractContext): void {
  describe("targets: a write that counts (updateIfCounting)", () => {
    it("applies the changes as updateIf does and counts once", async () => {
      const target = makeTarget({ claim: sending("run-a") });
      await ctx.storage().targets.insertIfAbsent(target);
      const updated = await ctx.storage().targets.updateIfCounting(target.id, mine("run-a"), record, tally);
      expect(updated).toMatchObject({ currentDay: 2, lastSentDay: 1, claim: null, revision: 1 });
      expect(await ctx.storage().targets.get(target.id)).toMatchObject({ currentDay: 2, claim: null, revision: 1 });
      expect(await ctx.storage().counters.get(tally.owner, tally.key)).toBe(1);
      expect(await ctx.storage().counters.listRange(tally.owner, "2026-01-05T08", "2026-01-05T08;")).toEqual([{ key: tally.key, count: 1 }]);
      // Other owners' counters, the referrer's own daily counts among them, are not touched.
      expect(await ctx.storage().counters.get("referrer-1", tally.key)).toBe(0);
    });

    it("a condition that no longer holds (the write tried again after it applied) changes nothing and counts nothing", async () => {
      const target = makeTarget({ claim: sending("run-a") });
      await ctx.storage().targets.insertIfAbsent(target);
      await ctx.storage().targets.updateIfCounting(target.id, mine("run-a"), record, tally);
      expect(await ctx.storage().targets.updateIfCounting(target.id, mine("run-a"), record, tally)).toBeNull();
      expect(await ctx.storage().targets.updateIfCounting(target.id, mine("run-b"), record, tally)).toBeNull();
      expect(await ctx.storage().targets.updateIfCounting("no-such-target", mine("run-a"), record, tally)).toBeNull();
      expect(await ctx.storage().counters.get(tally.owner, tally.key)).toBe(1);
      expect((await ctx.storage().targets.get(target.id))!.revision).toBe(1);
    });

    it("30 concurrent calls on one target: one applies, one count", async () => {
      const target = makeTarget({ claim: sending("run-a") });
      await ctx.storage().targets.insertIfAbsent(target);
      const answers = await Promise.all(range(30).map(() => ctx.storage().targets.updateIfCounting(target.id, mine("run-a"), record, tally)));
      expect(answers.filter((answer) => answer !== null)).toHaveLength(1);
      expect(await ctx.storage().counters.get(tally.owner, tally.key)).toBe(1);
      expect((await ctx.storage().targets.get(target.id))!.revision).toBe(1);
    });

    it("no cap: 30 targets recorded at once count 30, on top of what the counter held", async () => {
      const targets = range(30).map(() => makeTarget({ claim: sending("run-a") }));
      for (const target of targets) await ctx.storage().targets.insertIfAbsent(target);
      await ctx.storage().counters.tryIncrement(tally.owner, tally.key, Number.MAX_SAFE_INTEGER);
      const answers = await Promise.all(targets.map((target) => ctx.storage().targets.updateIfCounting(target.id, mine("run-a"), record, tally)));
      expect(answers.every((answer) => answer !== null)).toBe(true);
      expect(await ctx.storage().counters.get(tally.owner, tally.key)).toBe(31);
    });
  });
}
