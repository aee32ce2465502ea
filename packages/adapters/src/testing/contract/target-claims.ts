import { describe, expect, it } from "vitest";
import type { TargetClaim } from "@relance/core";
import { at, HOUR, makeDelivery, makeTarget, MINUTE, T0 } from "../builders.js";
import { countNonNull, range, type ContractContext } from "./context.js";

function claim(owner: string, stage: TargetClaim["stage"], expiresAt: Date, day = 1): TargetClaim {
  return { owner, day, stage, at: new Date(expiresAt.getTime() - MINUTE), expiresAt };
}

const claimable = { status: "active" as const, currentDay: 1, dueBy: T0, unclaimedAt: T0 };

export function describeTargetClaims(ctx: ContractContext): void {
  describe("targets: claims and guarded transitions", () => {
    it("20 concurrent claims of one due target: exactly one wins", async () => {
      const target = makeTarget({ nextMessageDue: at(-MINUTE) });
      await ctx.storage().targets.insertIfAbsent(target);
      const results = await Promise.all(
        range(20).map((i) =>
          ctx.storage().targets.updateIf(target.id, claimable, { claim: claim(`worker-${i}`, "claimed", at(MINUTE)), updatedAt: T0 }),
        ),
      );
      expect(countNonNull(results)).toBe(1);
      const winner = results.findIndex((r) => r !== null);
      const stored = await ctx.storage().targets.get(target.id);
      expect(stored!.claim).toEqual(claim(`worker-${winner}`, "claimed", at(MINUTE)));
      expect(stored!.revision).toBe(1);
    });

    it("a live claim blocks another claim", async () => {
      const target = makeTarget({ claim: claim("worker-a", "claimed", at(MINUTE)) });
      await ctx.storage().targets.insertIfAbsent(target);
      expect(await ctx.storage().targets.updateIf(target.id, claimable, { claim: claim("worker-b", "claimed", at(2 * MINUTE)), updatedAt: T0 })).toBeNull();
      expect((await ctx.storage().targets.get(target.id))!.claim!.owner).toBe("worker-a");
    });

    it("an expired claim at stage `claimed` can be taken over", async () => {
      const target = makeTarget({ nextMessageDue: at(-HOUR), claim: claim("worker-a", "claimed", at(-MINUTE)) });
      await ctx.storage().targets.insertIfAbsent(target);
      const taken = await ctx.storage().targets.updateIf(target.id, claimable, { claim: claim("worker-b", "claimed", at(MINUTE)), updatedAt: T0 });
      expect(taken!.claim!.owner).toBe("worker-b");
    });

    it("an expired claim at stage `sending` is never taken over and shows in listInterrupted", async () => {
      const target = makeTarget({ nextMessageDue: at(-HOUR), claim: claim("worker-a", "sending", at(-MINUTE)) });
      await ctx.storage().targets.insertIfAbsent(target);
      expect(await ctx.storage().targets.updateIf(target.id, claimable, { claim: claim("worker-b", "claimed", at(MINUTE)), updatedAt: T0 })).toBeNull();
      expect((await ctx.storage().targets.get(target.id))!.claim!.owner).toBe("worker-a");
      expect((await ctx.storage().targets.listInterrupted(T0, 10)).map((t) => t.id)).toEqual([target.id]);
      expect(await ctx.storage().targets.listInterrupted(at(-2 * MINUTE), 10)).toEqual([]);
    });

    it("listInterrupted lists only expired `sending` claims and honours the limit", async () => {
      const interrupted = [
        makeTarget({ claim: claim("w", "sending", at(-MINUTE)) }),
        makeTarget({ claim: claim("w", "sending", at(-HOUR)) }),
        makeTarget({ claim: claim("w", "sending", at(-2 * HOUR)) }),
      ];
      const others = [
        makeTarget({ claim: claim("w", "sending", at(MINUTE)) }),
        makeTarget({ claim: claim("w", "claimed", at(-MINUTE)) }),
        makeTarget(),
      ];
      for (const t of [...interrupted, ...others]) await ctx.storage().targets.insertIfAbsent(t);
      const listed = await ctx.storage().targets.listInterrupted(T0, 10);
      expect(listed.map((t) => t.id).sort()).toEqual(interrupted.map((t) => t.id).sort());
      expect(listed.find((t) => t.id === interrupted[0]!.id)).toEqual(interrupted[0]);
      expect(await ctx.storage().targets.listInterrupted(T0, 2)).toHaveLength(2);
    });

    it("claimedBy holds only for the claim's owner, and at the given stage", async () => {
      const target = makeTarget({ claim: claim("worker-a", "claimed", at(MINUTE)) });
      await ctx.storage().targets.insertIfAbsent(target);
      const toSending = { claim: claim("worker-a", "sending", at(MINUTE)), updatedAt: T0 };
      expect(await ctx.storage().targets.updateIf(target.id, { claimedBy: { owner: "worker-b" } }, toSending)).toBeNull();
      expect(await ctx.storage().targets.updateIf(target.id, { claimedBy: { owner: "worker-a", stage: "sending" } }, toSending)).toBeNull();
      const sending = await ctx.storage().targets.updateIf(target.id, { claimedBy: { owner: "worker-a", stage: "claimed" } }, toSending);
      expect(sending!.claim!.stage).toBe("sending");
      expect(await ctx.storage().targets.updateIf(target.id, { claimedBy: { owner: "worker-a", stage: "claimed" } }, toSending)).toBeNull();
      expect(await ctx.storage().targets.updateIf(target.id, { claimedBy: { owner: "worker-a" } }, { updatedAt: at(1) })).not.toBeNull();
    });

    it("after an exit, a late `record send` fails and changes nothing", async () => {
      const target = makeTarget({ claim: claim("worker-a", "sending", at(MINUTE)) });
      await ctx.storage().targets.insertIfAbsent(target);
      const exited = await ctx.storage().targets.updateIf(
        target.id,
        { status: "active" },
        { status: "exited", exitReason: "paid", exitedLoopAt: at(1), nextMessageDue: null, updatedAt: at(1) },
      );
      expect(exited!.status).toBe("exited");

      const lateSend = await ctx.storage().targets.updateIf(
        target.id,
        { status: "active", currentDay: 1, claimedBy: { owner: "worker-a" } },
        {
          currentDay: 2,
          lastSentDay: 1,
          nextMessageDue: at(24 * HOUR),
          claim: null,
          pushDelivery: makeDelivery({ day: 1, sentAt: at(2) }),
          updatedAt: at(2),
        },
      );
      expect(lateSend).toBeNull();
      expect(await ctx.storage().targets.get(target.id)).toEqual(exited);
    });

    it("of an exit and a send racing on one claimed target, exactly one applies", async () => {
      const target = makeTarget({ claim: claim("worker-a", "sending", at(MINUTE)) });
      await ctx.storage().targets.insertIfAbsent(target);
      const [exit, send] = await Promise.all([
        ctx.storage().targets.updateIf(target.id, { status: "active", currentDay: 1 }, { status: "exited", exitReason: "paid", updatedAt: at(1) }),
        ctx.storage().targets.updateIf(
          target.id,
          { status: "active", currentDay: 1, claimedBy: { owner: "worker-a", stage: "sending" } },
          { currentDay: 2, lastSentDay: 1, claim: null, updatedAt: at(1) },
        ),
      ]);
      expect(countNonNull([exit, send])).toBe(1);
    });
  });
}
