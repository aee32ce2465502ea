import { describe, expect, it } from "vitest";
import type { Target, TargetClaim } from "@relance/core";
import { at, HOUR, makeDelivery, makeTarget, MINUTE, T0 } from "../builders.js";
import type { ContractContext } from "./context.js";

function claim(stage: TargetClaim["stage"], expiresAt: Date): TargetClaim {
  return { owner: "worker-x", day: 1, stage, at: new Date(expiresAt.getTime() - MINUTE), expiresAt };
}

function ids(targets: readonly Target[]): string[] {
  return targets.map((t) => t.id);
}

export function describeTargetQueries(ctx: ContractContext): void {
  async function insertAll(targets: readonly Target[]): Promise<void> {
    for (const target of targets) expect(await ctx.storage().targets.insertIfAbsent(target)).toBe(true);
  }

  describe("targets: due lists and lookups", () => {
    it("listDue: active, due, unclaimed targets of one referrer, oldest due first then by id", async () => {
      const oldest = makeTarget({ nextMessageDue: at(-2 * HOUR) });
      const sameDueA = makeTarget({ nextMessageDue: at(-HOUR) });
      const sameDueB = makeTarget({ nextMessageDue: at(-HOUR) });
      const dueNow = makeTarget({ nextMessageDue: T0 });
      const expiredClaimed = makeTarget({ nextMessageDue: at(-30 * MINUTE), claim: claim("claimed", at(-MINUTE)) });
      const excluded = [
        makeTarget({ nextMessageDue: at(1) }),
        makeTarget({ status: "completed", nextMessageDue: null, exitReason: "completed_7_days" }),
        makeTarget({ status: "exited", nextMessageDue: at(-HOUR), exitReason: "paid" }),
        makeTarget({ nextMessageDue: at(-HOUR), claim: claim("claimed", at(MINUTE)) }),
        makeTarget({ nextMessageDue: at(-HOUR), claim: claim("sending", at(MINUTE)) }),
        makeTarget({ nextMessageDue: at(-HOUR), claim: claim("sending", at(-MINUTE)) }),
        makeTarget({ nextMessageDue: at(-HOUR), referrerUserId: "referrer-2" }),
      ];
      // Inserted in reverse so that insertion order cannot pass for the required order.
      await insertAll([...excluded, dueNow, expiredClaimed, sameDueB, sameDueA, oldest].reverse());
      const due = await ctx.storage().targets.listDue("referrer-1", T0, 100);
      expect(ids(due)).toEqual(ids([oldest, sameDueA, sameDueB, expiredClaimed, dueNow]));
      expect(due[3]).toEqual(expiredClaimed);
      expect(ids(await ctx.storage().targets.listDue("referrer-1", T0, 2))).toEqual(ids([oldest, sameDueA]));
      expect(await ctx.storage().targets.listDue("referrer-3", T0, 100)).toEqual([]);
    });

    it("listDueReferrers: distinct referrers having active due targets, within the limit", async () => {
      await insertAll([
        makeTarget({ referrerUserId: "r-1", nextMessageDue: at(-HOUR) }),
        makeTarget({ referrerUserId: "r-1", nextMessageDue: at(-2 * HOUR) }),
        makeTarget({ referrerUserId: "r-1", nextMessageDue: T0 }),
        makeTarget({ referrerUserId: "r-2", nextMessageDue: at(-MINUTE) }),
        makeTarget({ referrerUserId: "r-3", nextMessageDue: at(HOUR) }),
        makeTarget({ referrerUserId: "r-4", status: "completed", nextMessageDue: null, exitReason: "completed_7_days" }),
        makeTarget({ referrerUserId: "r-5", status: "exited", nextMessageDue: at(-HOUR), exitReason: "paid" }),
      ]);
      const referrers = await ctx.storage().targets.listDueReferrers(T0, 100);
      expect([...referrers].sort()).toEqual(["r-1", "r-2"]);
      const limited = await ctx.storage().targets.listDueReferrers(T0, 1);
      expect(limited).toHaveLength(1);
      expect(["r-1", "r-2"]).toContain(limited[0]);
      expect(await ctx.storage().targets.listDueReferrers(at(-3 * HOUR), 100)).toEqual([]);
    });

    it("listActiveByReferral: active targets of a referral across referrers", async () => {
      const a = makeTarget({ referrerUserId: "r-1", referralUserId: "u-1" });
      const b = makeTarget({ referrerUserId: "r-2", referralUserId: "u-1", nextMessageDue: at(HOUR) });
      const exited = makeTarget({ referrerUserId: "r-3", referralUserId: "u-1", status: "exited", exitReason: "paid" });
      const other = makeTarget({ referrerUserId: "r-1", referralUserId: "u-2" });
      await insertAll([a, b, exited, other]);
      const active = await ctx.storage().targets.listActiveByReferral("u-1");
      expect(ids(active).sort()).toEqual(ids([a, b]).sort());
      expect(active.find((t) => t.id === b.id)).toEqual(b);
      expect(await ctx.storage().targets.listActiveByReferral("u-unknown")).toEqual([]);
    });

    it("phonesOfReferral: the distinct numbers of a referral's targets, whatever their status", async () => {
      await insertAll([
        makeTarget({ referrerUserId: "r-1", referralUserId: "u-1", contact: { phone: "+33611111111", name: "A", paymentLink: null } }),
        makeTarget({ referrerUserId: "r-2", referralUserId: "u-1", status: "exited", exitReason: "paid", contact: { phone: "+33622222222", name: "A", paymentLink: null } }),
        makeTarget({ referrerUserId: "r-3", referralUserId: "u-1", contact: { phone: "+33611111111", name: "A", paymentLink: null } }),
        makeTarget({ referrerUserId: "r-1", referralUserId: "u-2", contact: { phone: "+33633333333", name: "B", paymentLink: null } }),
      ]);
      expect(await ctx.storage().targets.phonesOfReferral("u-1")).toEqual(["+33611111111", "+33622222222"]);
      expect(await ctx.storage().targets.phonesOfReferral("u-unknown")).toEqual([]);
    });

    it("contactsOfReferral: the distinct (referrer, number) pairs of a referral's targets, whatever their status", async () => {
      await insertAll([
        makeTarget({ referrerUserId: "r-2", referralUserId: "u-1", status: "exited", exitReason: "paid", contact: { phone: "+33622222222", name: "A", paymentLink: null } }),
        makeTarget({ referrerUserId: "r-1", referralUserId: "u-1", contact: { phone: "+33611111111", name: "A", paymentLink: null } }),
        makeTarget({ referrerUserId: "r-3", referralUserId: "u-1", status: "exited", exitReason: "replied", contact: { phone: "+33611111111", name: "A", paymentLink: null } }),
        makeTarget({ referrerUserId: "r-1", referralUserId: "u-2", contact: { phone: "+33633333333", name: "B", paymentLink: null } }),
      ]);
      expect(await ctx.storage().targets.contactsOfReferral("u-1")).toEqual([
        { referrerUserId: "r-1", phone: "+33611111111" },
        { referrerUserId: "r-2", phone: "+33622222222" },
        { referrerUserId: "r-3", phone: "+33611111111" },
      ]);
      expect(await ctx.storage().targets.contactsOfReferral("u-unknown")).toEqual([]);
    });

    it("listActiveByReferrer: active targets of a referrer, optionally to one phone number", async () => {
      const phone = "+33612345678";
      const a = makeTarget({ contact: { phone, name: "A", paymentLink: null } });
      const b = makeTarget();
      const exited = makeTarget({ contact: { phone, name: "C", paymentLink: null }, status: "exited", exitReason: "opted_out" });
      const otherReferrer = makeTarget({ referrerUserId: "referrer-2", contact: { phone, name: "D", paymentLink: null } });
      await insertAll([a, b, exited, otherReferrer]);
      expect(ids(await ctx.storage().targets.listActiveByReferrer("referrer-1")).sort()).toEqual(ids([a, b]).sort());
      expect(await ctx.storage().targets.listActiveByReferrer("referrer-1", phone)).toEqual([a]);
      expect(await ctx.storage().targets.listActiveByReferrer("referrer-1", "+33699999999")).toEqual([]);
    });

    it("findByMessageId finds a target by a text message id or a media message id", async () => {
      const a = makeTarget({
        messagesDelivered: [
          makeDelivery({ day: 1, messageId: "text-1", mediaMessageIds: ["media-1a", "media-1b"] }),
          makeDelivery({ day: 2, messageId: "text-2" }),
        ],
      });
      const b = makeTarget({ messagesDelivered: [makeDelivery({ messageId: "text-3" })] });
      await insertAll([a, b, makeTarget()]);
      expect(await ctx.storage().targets.findByMessageId("text-2")).toEqual(a);
      expect((await ctx.storage().targets.findByMessageId("media-1b"))!.id).toBe(a.id);
      expect((await ctx.storage().targets.findByMessageId("text-3"))!.id).toBe(b.id);
      expect(await ctx.storage().targets.findByMessageId("unknown")).toBeNull();
    });
  });
}
