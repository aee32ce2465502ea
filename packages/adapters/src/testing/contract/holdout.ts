import { describe, expect, it } from "vitest";
import type { Target } from "@relance/core";
import { at, HOUR, makeTarget, MINUTE, T0 } from "../builders.js";
import type { ContractContext } from "./context.js";

const DAY = 24 * HOUR;

function ids(targets: readonly Target[]): string[] {
  return targets.map((t) => t.id).sort();
}

/** A held-out target whose sequence would end at `endsAt`. */
function heldOut(overrides: Partial<Target> = {}): Target {
  return makeTarget({ status: "holdout", group: "holdout", nextMessageDue: at(6 * DAY), ...overrides });
}

/** The settings record, and the targets of a holdout group (issue 22). */
export function describeHoldout(ctx: ContractContext): void {
  describe("settings", () => {
    it("none until set; an update sets the given fields and keeps the others", async () => {
      const settings = ctx.storage().settings;
      expect(await settings.get()).toBeNull();
      expect(await settings.update({ holdoutPercent: 12.5 }, at(1))).toEqual({ holdoutPercent: 12.5, updatedAt: at(1) });
      expect(await settings.update({}, at(2))).toEqual({ holdoutPercent: 12.5, updatedAt: at(2) });
      expect(await settings.update({ holdoutPercent: 0 }, at(3))).toEqual({ holdoutPercent: 0, updatedAt: at(3) });
      expect(await settings.get()).toEqual({ holdoutPercent: 0, updatedAt: at(3) });
    });

    it("concurrent first updates leave one record", async () => {
      const settings = ctx.storage().settings;
      await Promise.all([settings.update({ holdoutPercent: 10 }, at(1)), settings.update({ holdoutPercent: 10 }, at(1)), settings.update({}, at(1))]);
      expect(await settings.get()).toEqual({ holdoutPercent: 10, updatedAt: at(1) });
    });

    it.runIf(ctx.options.reopen !== undefined)("survive a reopen", async () => {
      await ctx.storage().settings.update({ holdoutPercent: 20 }, at(1));
      const reopened = await ctx.reopen();
      expect(await reopened.settings.get()).toEqual({ holdoutPercent: 20, updatedAt: at(1) });
    });
  });

  describe("targets: the holdout group", () => {
    it("holdout targets receive nothing and take nothing from caps: never due, never deferred, resumed or claimed", async () => {
      const targets = ctx.storage().targets;
      // Its end already passed: a dispatch query that read `nextMessageDue` alone would take it.
      const holdout = heldOut({ nextMessageDue: at(-HOUR) });
      const onlyHoldouts = heldOut({ referrerUserId: "referrer-h", nextMessageDue: at(-2 * HOUR) });
      const treated = makeTarget({ group: "treated", nextMessageDue: at(-MINUTE) });
      for (const target of [holdout, onlyHoldouts, treated]) expect(await targets.insertIfAbsent(target)).toBe(true);

      expect(await targets.listDueReferrers(T0, 100)).toEqual(["referrer-1"]);
      expect(ids(await targets.listDue("referrer-1", T0, 100))).toEqual([treated.id]);
      expect(await targets.listDue("referrer-h", T0, 100)).toEqual([]);
      expect(await targets.deferDue("referrer-h", T0, at(HOUR))).toBe(0);
      expect(await targets.resumeDue("referrer-h", at(-3 * HOUR), T0)).toBe(0);
      expect(await targets.updateIf(holdout.id, { status: "active", dueBy: T0 }, { claim: { owner: "w", day: 1, stage: "claimed", at: T0, expiresAt: at(MINUTE) }, updatedAt: T0 })).toBeNull();
      expect(await targets.get(holdout.id)).toEqual(holdout);
      expect(await targets.get(onlyHoldouts.id)).toEqual(onlyHoldouts);
    });

    it("are in the loop for exits: by referral, by referrer and number, and when the referrer leaves", async () => {
      const targets = ctx.storage().targets;
      const holdout = heldOut({ referralUserId: "u-h" });
      const other = heldOut({ referrerUserId: "referrer-2" });
      const done = heldOut({ status: "completed", exitReason: "completed_7_days", nextMessageDue: null, exitedLoopAt: at(HOUR) });
      for (const target of [holdout, other, done]) await targets.insertIfAbsent(target);

      expect(ids(await targets.listActiveByReferral("u-h"))).toEqual([holdout.id]);
      expect(ids(await targets.listActiveByReferrer("referrer-1"))).toEqual([holdout.id]);
      expect(ids(await targets.listActiveByReferrer("referrer-1", holdout.contact.phone))).toEqual([holdout.id]);
      const exited = await targets.updateIf(holdout.id, { status: "holdout" }, { status: "exited", exitReason: "paid", exitDay: 3, exitedLoopAt: at(2 * DAY), nextMessageDue: null, updatedAt: at(2 * DAY) });
      expect(exited).toMatchObject({ status: "exited", exitReason: "paid", exitDay: 3, group: "holdout" });
      expect(await targets.get(holdout.id)).toEqual(exited);

      expect(await targets.exitActiveOfReferrer("referrer-2", "referrer_inactive", at(HOUR))).toBe(1);
      expect(await targets.get(other.id)).toMatchObject({ status: "exited", exitReason: "referrer_inactive", group: "holdout" });
    });

    it("completeHoldouts: those whose sequence ended become completed_7_days, within the limit, once", async () => {
      const targets = ctx.storage().targets;
      // Written earlier: completing them sets updatedAt to `now`.
      const ended = [at(-2 * HOUR), at(-HOUR), T0].map((due) => heldOut({ nextMessageDue: due, updatedAt: at(-3 * HOUR) }));
      const running = heldOut({ nextMessageDue: at(1) });
      const active = makeTarget({ nextMessageDue: at(-HOUR) });
      for (const target of [...ended, running, active]) await targets.insertIfAbsent(target);

      expect(await targets.completeHoldouts(T0, 2)).toBe(2);
      expect(await targets.completeHoldouts(T0, 10)).toBe(1);
      expect(await targets.completeHoldouts(T0, 10)).toBe(0);
      for (const target of ended) {
        expect(await targets.get(target.id)).toMatchObject({
          status: "completed",
          exitReason: "completed_7_days",
          exitedLoopAt: T0,
          nextMessageDue: null,
          group: "holdout",
          revision: target.revision + 1,
          updatedAt: T0,
        });
      }
      expect(await targets.get(running.id)).toEqual(running);
      expect(await targets.get(active.id)).toEqual(active);
    });

    it("concurrent completeHoldouts complete each target once", async () => {
      const targets = ctx.storage().targets;
      for (let i = 0; i < 12; i++) await targets.insertIfAbsent(heldOut({ nextMessageDue: at(-i * MINUTE) }));
      const counts = await Promise.all([1, 2, 3].map(() => targets.completeHoldouts(T0, 100)));
      expect(counts.reduce((a, b) => a + b, 0)).toBe(12);
    });

    it("liftCounts: targets and paid exits (by exit day) per group; targets without a group are left out", async () => {
      const targets = ctx.storage().targets;
      const paid = (group: Target["group"], exitDay: number | null, referrerUserId = "r-1") =>
        makeTarget({ referrerUserId, group, status: "exited", exitReason: "paid", exitDay, nextMessageDue: null, exitedLoopAt: at(HOUR) });
      const population = [
        paid("treated", 1),
        paid("treated", 1),
        paid("treated", 3),
        paid("treated", null),
        makeTarget({ referrerUserId: "r-1", group: "treated" }),
        makeTarget({ referrerUserId: "r-1", group: "treated", status: "exited", exitReason: "opted_out", exitDay: 2, nextMessageDue: null }),
        paid("holdout", 2),
        heldOut({ referrerUserId: "r-1" }),
        heldOut({ referrerUserId: "r-1", status: "completed", exitReason: "completed_7_days", nextMessageDue: null }),
        paid("treated", 2, "r-2"),
        heldOut({ referrerUserId: "r-2" }),
        paid(undefined, 1),
        makeTarget({ referrerUserId: "r-1" }),
      ];
      for (const target of population) await targets.insertIfAbsent(target);

      expect(await targets.liftCounts({})).toEqual({
        treated: { targets: 7, converted: 5, convertedByDay: { "1": 2, "2": 1, "3": 1 } },
        holdout: { targets: 4, converted: 1, convertedByDay: { "2": 1 } },
      });
      expect(await targets.liftCounts({ referrerUserId: "r-2" })).toEqual({
        treated: { targets: 1, converted: 1, convertedByDay: { "2": 1 } },
        holdout: { targets: 1, converted: 0, convertedByDay: {} },
      });
      expect(await targets.liftCounts({ referrerUserId: "r-9" })).toEqual({
        treated: { targets: 0, converted: 0, convertedByDay: {} },
        holdout: { targets: 0, converted: 0, convertedByDay: {} },
      });
    });
  });
}
