import { describe, expect, it } from "vitest";
import type { Target, TargetClaim } from "@relance/core";
import { at, HOUR, makeDelivery, makeTarget, MINUTE, T0 } from "../builders.js";
import { countNonNull, range, type ContractContext } from "./context.js";

function claim(owner: string, stage: TargetClaim["stage"], expiresAt: Date, day = 1): TargetClaim {
  return { owner, day, stage, at: new Date(expiresAt.getTime() - MINUTE), expiresAt };
}

const DAY = 24 * HOUR;

export function describeTargetBatches(ctx: ContractContext): void {
  async function insertAll(targets: readonly Target[]): Promise<void> {
    for (const target of targets) expect(await ctx.storage().targets.insertIfAbsent(target)).toBe(true);
  }

  async function expectUnchanged(targets: readonly Target[]): Promise<void> {
    for (const target of targets) expect(await ctx.storage().targets.get(target.id)).toEqual(target);
  }

  describe("targets: batched writes", () => {
    it("deferDue moves only the referrer's due, active, unclaimed targets and counts them", async () => {
      const until = at(10 * HOUR);
      const moved = [
        makeTarget({ nextMessageDue: at(-HOUR), revision: 3 }),
        // Due exactly now.
        makeTarget({ nextMessageDue: new Date(T0), currentDay: 4, lastSentDay: 3 }),
        // An expired claim that never reached `sending` protects nothing.
        makeTarget({ nextMessageDue: at(-HOUR), claim: claim("worker-a", "claimed", at(-MINUTE)) }),
        makeTarget({ nextMessageDue: at(-2 * HOUR), claim: claim("worker-a", "claimed", new Date(T0)) }),
      ];
      const kept = [
        makeTarget({ nextMessageDue: at(1) }),
        makeTarget({ nextMessageDue: null }),
        makeTarget({ status: "exited", exitReason: "paid", exitedLoopAt: at(-HOUR), nextMessageDue: at(-HOUR) }),
        makeTarget({ status: "completed", exitReason: "completed_7_days", nextMessageDue: at(-HOUR) }),
        makeTarget({ nextMessageDue: at(-HOUR), claim: claim("worker-a", "claimed", at(MINUTE)) }),
        makeTarget({ nextMessageDue: at(-HOUR), claim: claim("worker-a", "sending", at(MINUTE)) }),
        // A stale `sending` claim: the day may have left, so the target is not touched.
        makeTarget({ nextMessageDue: at(-HOUR), claim: claim("worker-a", "sending", at(-MINUTE)) }),
        makeTarget({ referrerUserId: "referrer-2", nextMessageDue: at(-HOUR) }),
      ];
      await insertAll([...moved, ...kept]);

      expect(await ctx.storage().targets.deferDue("referrer-1", T0, until)).toBe(moved.length);

      for (const target of moved) {
        const stored = await ctx.storage().targets.get(target.id);
        expect(stored).toEqual({ ...target, nextMessageDue: until, revision: target.revision + 1, updatedAt: T0 });
        expect(stored!.nextMessageDue).toBeInstanceOf(Date);
      }
      await expectUnchanged(kept);
      expect(await ctx.storage().targets.listDue("referrer-1", T0, 100)).toEqual([]);
      expect((await ctx.storage().targets.listDue("referrer-2", T0, 100)).map((t) => t.id)).toEqual([kept[7]!.id]);
    });

    it("deferDue returns 0 when nothing is due, and a deferred target is not due again before `until`", async () => {
      const target = makeTarget({ nextMessageDue: at(-HOUR) });
      await insertAll([target]);
      expect(await ctx.storage().targets.deferDue("referrer-unknown", T0, at(HOUR))).toBe(0);
      expect(await ctx.storage().targets.deferDue("referrer-1", at(-2 * HOUR), at(HOUR))).toBe(0);
      expect(await ctx.storage().targets.get(target.id)).toEqual(target);

      expect(await ctx.storage().targets.deferDue("referrer-1", T0, at(HOUR))).toBe(1);
      expect(await ctx.storage().targets.deferDue("referrer-1", at(MINUTE), at(2 * HOUR))).toBe(0);
      expect(await ctx.storage().targets.deferDue("referrer-1", at(HOUR), at(DAY))).toBe(1);
      const stored = await ctx.storage().targets.get(target.id);
      expect(stored).toEqual({ ...target, nextMessageDue: at(DAY), revision: 2, updatedAt: at(HOUR) });
      // The revision moved, so a compare-and-set read before the deferral fails.
      expect(await ctx.storage().targets.updateIf(target.id, { revision: 0 }, { failedAttempts: 1, updatedAt: at(HOUR) })).toBeNull();
    });

    it("of a deferral and claims racing on due targets, exactly one applies to each target", async () => {
      const targets = range(10).map(() => makeTarget({ nextMessageDue: at(-HOUR) }));
      await insertAll(targets);
      const claimable = { status: "active" as const, currentDay: 1, dueBy: T0, unclaimedAt: T0 };
      const until = at(DAY);
      const [deferred, ...claims] = await Promise.all([
        ctx.storage().targets.deferDue("referrer-1", T0, until),
        ...targets.map((t) => ctx.storage().targets.updateIf(t.id, claimable, { claim: claim("worker-b", "claimed", at(MINUTE)), updatedAt: T0 })),
      ]);
      expect((deferred as number) + countNonNull(claims)).toBe(targets.length);
      for (const [index, target] of targets.entries()) {
        const stored = await ctx.storage().targets.get(target.id);
        expect(stored!.revision).toBe(1);
        if (claims[index] !== null) {
          expect(stored!.claim!.owner).toBe("worker-b");
          expect(stored!.nextMessageDue).toEqual(target.nextMessageDue);
        } else {
          expect(stored!.claim).toBeNull();
          expect(stored!.nextMessageDue).toEqual(until);
        }
      }
    });

    it("exitActiveOfReferrer exits only the referrer's active targets, keeps their claims, and counts them", async () => {
      const exitAt = at(HOUR);
      const exited = [
        makeTarget({ nextMessageDue: at(-HOUR), revision: 5 }),
        makeTarget({ nextMessageDue: at(DAY), currentDay: 3, lastSentDay: 2, messagesDelivered: [makeDelivery({ day: 2 })] }),
        makeTarget({ claim: claim("worker-a", "sending", at(MINUTE)) }),
        makeTarget({ claim: claim("worker-a", "claimed", at(-MINUTE)) }),
      ];
      const kept = [
        makeTarget({ status: "completed", exitReason: "completed_7_days", exitedLoopAt: at(-HOUR), nextMessageDue: null, lastSentDay: 7 }),
        makeTarget({ status: "exited", exitReason: "paid", exitedLoopAt: at(-HOUR), nextMessageDue: null }),
        makeTarget({ referrerUserId: "referrer-2" }),
      ];
      await insertAll([...exited, ...kept]);

      expect(await ctx.storage().targets.exitActiveOfReferrer("referrer-1", "referrer_inactive", exitAt)).toBe(exited.length);

      for (const target of exited) {
        expect(await ctx.storage().targets.get(target.id)).toEqual({
          ...target,
          status: "exited",
          exitReason: "referrer_inactive",
          exitedLoopAt: exitAt,
          nextMessageDue: null,
          revision: target.revision + 1,
          updatedAt: exitAt,
        });
      }
      await expectUnchanged(kept);
      expect(await ctx.storage().targets.listActiveByReferrer("referrer-1")).toEqual([]);
      expect(await ctx.storage().targets.listDue("referrer-1", at(2 * DAY), 100)).toEqual([]);
      expect(await ctx.storage().targets.exitActiveOfReferrer("referrer-1", "manual", at(2 * HOUR))).toBe(0);
      expect(await ctx.storage().targets.exitActiveOfReferrer("referrer-unknown", "manual", at(2 * HOUR))).toBe(0);
    });

    it("after exitActiveOfReferrer, a late transition conditioned on `active` fails and changes nothing", async () => {
      const sending = makeTarget({ claim: claim("worker-a", "sending", at(MINUTE)) });
      const idle = makeTarget({ nextMessageDue: at(-HOUR) });
      await insertAll([sending, idle]);
      expect(await ctx.storage().targets.exitActiveOfReferrer("referrer-1", "opted_out", at(1))).toBe(2);
      const afterExit = await Promise.all([sending, idle].map((t) => ctx.storage().targets.get(t.id)));

      const lateSend = await ctx.storage().targets.updateIf(
        sending.id,
        { status: "active", currentDay: 1, claimedBy: { owner: "worker-a", stage: "sending" } },
        { currentDay: 2, lastSentDay: 1, nextMessageDue: at(DAY), claim: null, pushDelivery: makeDelivery({ sentAt: at(2) }), updatedAt: at(2) },
      );
      expect(lateSend).toBeNull();
      const lateClaim = await ctx.storage().targets.updateIf(
        idle.id,
        { status: "active", currentDay: 1, unclaimedAt: at(2) },
        { claim: claim("worker-b", "claimed", at(MINUTE)), updatedAt: at(2) },
      );
      expect(lateClaim).toBeNull();
      expect(await ctx.storage().targets.updateIf(idle.id, { status: "active" }, { status: "exited", exitReason: "paid", updatedAt: at(2) })).toBeNull();
      expect(await Promise.all([sending, idle].map((t) => ctx.storage().targets.get(t.id)))).toEqual(afterExit);
    });

    it("of a batch exit and a send racing on one claimed target, exactly one applies", async () => {
      const target = makeTarget({ claim: claim("worker-a", "sending", at(MINUTE)) });
      await insertAll([target]);
      const [exitedCount, send] = await Promise.all([
        ctx.storage().targets.exitActiveOfReferrer("referrer-1", "paid", at(1)),
        ctx.storage().targets.updateIf(
          target.id,
          { status: "active", currentDay: 1, claimedBy: { owner: "worker-a", stage: "sending" } },
          { status: "completed", exitReason: "completed_7_days", lastSentDay: 1, nextMessageDue: null, claim: null, updatedAt: at(1) },
        ),
      ]);
      expect(exitedCount + countNonNull([send])).toBe(1);
      const stored = await ctx.storage().targets.get(target.id);
      expect(stored!.revision).toBe(1);
      expect(stored!.status).toBe(send === null ? "exited" : "completed");
    });
  });
}
