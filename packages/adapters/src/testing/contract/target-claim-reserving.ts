import { describe, expect, it } from "vitest";
import type { TargetClaim } from "@relance/core";
import { at, MINUTE, makeTarget, T0 } from "../builders.js";
import { range, type ContractContext } from "./context.js";

const DAY = "2026-01-05";
const claimable = { status: "active" as const, currentDay: 1, dueBy: T0, unclaimedAt: T0 };
const claim = (owner: string): TargetClaim => ({ owner, day: 1, stage: "claimed", at: T0, expiresAt: at(MINUTE) });
const reservation = (firstContactCap: number, dailyCap: number) => ({
  referrerUserId: "referrer-1",
  slots: [
    { day: `first-contact:${DAY}`, cap: firstContactCap },
    { day: DAY, cap: dailyCap },
  ],
});

/** `targets.claimReserving`: a send's claim and its counter slots, in one call, both or neither. */
export function describeTargetClaimReserving(ctx: ContractContext): void {
  describe("targets: claim with its reservation (claimReserving)", () => {
    it("claims the target and counts every slot", async () => {
      const target = makeTarget({ nextMessageDue: at(-MINUTE) });
      await ctx.storage().targets.insertIfAbsent(target);
      const answer = await ctx.storage().targets.claimReserving(target.id, claimable, { claim: claim("run-a"), updatedAt: T0 }, reservation(5, 5));
      expect(answer.claimed!.claim).toEqual(claim("run-a"));
      expect(answer.claimed!.revision).toBe(1);
      expect((await ctx.storage().targets.get(target.id))!.claim).toEqual(claim("run-a"));
      expect(await ctx.storage().counters.get("referrer-1", DAY)).toBe(1);
      expect(await ctx.storage().counters.get("referrer-1", `first-contact:${DAY}`)).toBe(1);
    });

    it("a condition that fails counts nothing", async () => {
      const target = makeTarget({ nextMessageDue: at(-MINUTE), claim: claim("run-a") });
      await ctx.storage().targets.insertIfAbsent(target);
      const answer = await ctx.storage().targets.claimReserving(target.id, claimable, { claim: claim("run-b"), updatedAt: T0 }, reservation(5, 5));
      expect(answer).toEqual({ claimed: null, full: null });
      expect((await ctx.storage().targets.get(target.id))!).toMatchObject({ claim: claim("run-a"), revision: 0 });
      expect(await ctx.storage().counters.get("referrer-1", DAY)).toBe(0);
      expect(await ctx.storage().counters.get("referrer-1", `first-contact:${DAY}`)).toBe(0);
      expect(await ctx.storage().targets.claimReserving("no-such-target", claimable, { claim: claim("run-b"), updatedAt: T0 }, reservation(5, 5))).toEqual({ claimed: null, full: null });
      expect(await ctx.storage().counters.get("referrer-1", DAY)).toBe(0);
    });

    it("a slot at its cap: the target is not claimed, no count changes, and the answer names the slot", async () => {
      const target = makeTarget({ nextMessageDue: at(-MINUTE) });
      await ctx.storage().targets.insertIfAbsent(target);
      await ctx.storage().counters.tryIncrementAll("referrer-1", reservation(1, 5).slots);
      expect(await ctx.storage().targets.claimReserving(target.id, claimable, { claim: claim("run-a"), updatedAt: T0 }, reservation(1, 5))).toEqual({ claimed: null, full: 0 });
      expect(await ctx.storage().targets.claimReserving(target.id, claimable, { claim: claim("run-a"), updatedAt: T0 }, reservation(5, 1))).toEqual({ claimed: null, full: 1 });
      expect((await ctx.storage().targets.get(target.id))!).toMatchObject({ claim: null, revision: 0 });
      expect(await ctx.storage().counters.get("referrer-1", DAY)).toBe(1);
      expect(await ctx.storage().counters.get("referrer-1", `first-contact:${DAY}`)).toBe(1);
    });

    it("20 targets claimed at once under a daily cap of 5: exactly 5 claimed, and counted", async () => {
      const targets = range(20).map(() => makeTarget({ nextMessageDue: at(-MINUTE) }));
      for (const target of targets) await ctx.storage().targets.insertIfAbsent(target);
      const answers = await Promise.all(
        targets.map((target, i) => ctx.storage().targets.claimReserving(target.id, claimable, { claim: claim(`run-${i}`), updatedAt: T0 }, reservation(100, 5))),
      );
      expect(answers.filter((a) => a.claimed !== null)).toHaveLength(5);
      expect(answers.filter((a) => a.claimed === null).every((a) => a.full === 1)).toBe(true);
      expect(await ctx.storage().counters.get("referrer-1", DAY)).toBe(5);
      expect(await ctx.storage().counters.get("referrer-1", `first-contact:${DAY}`)).toBe(5);
      const claimed = await Promise.all(targets.map((t) => ctx.storage().targets.get(t.id)));
      expect(claimed.filter((t) => t!.claim !== null)).toHaveLength(5);
    });
  });
}
