import { describe, expect, it } from "vitest";
import { StorageError, type Target } from "@relance/core";
import { at, HOUR, makeDelivery, makeTarget, MINUTE, T0 } from "../builders.js";
import { countNonNull, range, type ContractContext } from "./context.js";

/** Every optional field set, so a lossy mapping shows up. */
function fullTarget(): Target {
  return makeTarget({
    status: "active",
    currentDay: 3,
    nextMessageDue: at(2 * HOUR + 7),
    language: "en-GB",
    messagesDelivered: [
      makeDelivery({ day: 1, sentAt: at(1), status: "read", messageId: "m-1", mediaMessageIds: ["m-1a", "m-1b"], deliveredAt: at(2), readAt: at(3) }),
      { day: 2, sentAt: at(HOUR), status: "failed", errorMessage: "timeout" },
    ],
    failedAttempts: 1,
    lastSentDay: 2,
    claim: { owner: "worker-a", day: 3, stage: "claimed", at: at(4), expiresAt: at(MINUTE + 4) },
    revision: 4,
    updatedAt: at(5),
  });
}

export function describeTargetWrites(ctx: ContractContext): void {
  describe("targets: insert, get, conditional update", () => {
    it("insertIfAbsent inserts; get returns an equal target with Date instances", async () => {
      const target = fullTarget();
      expect(await ctx.storage().targets.insertIfAbsent(target)).toBe(true);
      const stored = await ctx.storage().targets.get(target.id);
      expect(stored).toEqual(target);
      expect(stored!.nextMessageDue).toBeInstanceOf(Date);
      expect(stored!.nextMessageDue!.getTime()).toBe(target.nextMessageDue!.getTime());
      expect(stored!.messagesDelivered[0]!.readAt).toBeInstanceOf(Date);
      expect(stored!.claim!.expiresAt).toBeInstanceOf(Date);
      expect(await ctx.storage().targets.get("target-missing")).toBeNull();
    });

    it("keeps a finished target's nulls and dates", async () => {
      const target = makeTarget({ status: "exited", nextMessageDue: null, exitedLoopAt: at(9), exitReason: "paid", lastSentDay: 1 });
      await ctx.storage().targets.insertIfAbsent(target);
      expect(await ctx.storage().targets.get(target.id)).toEqual(target);
    });

    it("insertIfAbsent refuses a second target for the same referrer and referral", async () => {
      const first = makeTarget({ referralUserId: "u-1" });
      await ctx.storage().targets.insertIfAbsent(first);
      const second = makeTarget({ referralUserId: "u-1" });
      expect(await ctx.storage().targets.insertIfAbsent(second)).toBe(false);
      expect(await ctx.storage().targets.get(second.id)).toBeNull();
      expect(await ctx.storage().targets.get(first.id)).toEqual(first);
      expect(await ctx.storage().targets.insertIfAbsent(makeTarget({ referralUserId: "u-1", referrerUserId: "referrer-2" }))).toBe(true);
    });

    it("insertIfAbsent refuses even when the earlier target left the loop", async () => {
      await ctx.storage().targets.insertIfAbsent(makeTarget({ referralUserId: "u-1", status: "exited", exitReason: "paid", nextMessageDue: null }));
      expect(await ctx.storage().targets.insertIfAbsent(makeTarget({ referralUserId: "u-1" }))).toBe(false);
    });

    it("20 concurrent insertIfAbsent of one (referrer, referral) pair: exactly one true", async () => {
      const candidates = range(20).map(() => makeTarget({ referralUserId: "u-race" }));
      const results = await Promise.all(candidates.map((t) => ctx.storage().targets.insertIfAbsent(t)));
      expect(results.filter(Boolean)).toHaveLength(1);
      const stored = await Promise.all(candidates.map((t) => ctx.storage().targets.get(t.id)));
      expect(countNonNull(stored)).toBe(1);
      expect(stored[results.indexOf(true)]).toEqual(candidates[results.indexOf(true)]);
      expect((await ctx.storage().targets.list({ referrerUserId: "referrer-1" }, { limit: 100 })).items).toHaveLength(1);
    });

    it("findExistingReferralIds returns the referrals of this referrer that have a target, any status", async () => {
      await ctx.storage().targets.insertIfAbsent(makeTarget({ referralUserId: "u-1" }));
      await ctx.storage().targets.insertIfAbsent(makeTarget({ referralUserId: "u-2", status: "exited", exitReason: "paid", nextMessageDue: null }));
      await ctx.storage().targets.insertIfAbsent(makeTarget({ referralUserId: "u-3", status: "completed", exitReason: "completed_7_days" }));
      await ctx.storage().targets.insertIfAbsent(makeTarget({ referralUserId: "u-4", referrerUserId: "referrer-2" }));
      const found = await ctx.storage().targets.findExistingReferralIds("referrer-1", ["u-1", "u-2", "u-3", "u-4", "u-5"]);
      expect(found).toBeInstanceOf(Set);
      expect([...found].sort()).toEqual(["u-1", "u-2", "u-3"]);
      expect((await ctx.storage().targets.findExistingReferralIds("referrer-1", [])).size).toBe(0);
    });

    it("returned and inserted objects are copies: mutating them changes nothing stored", async () => {
      const target = makeTarget({ messagesDelivered: [makeDelivery()] });
      const snapshot = structuredClone(target);
      await ctx.storage().targets.insertIfAbsent(target);
      target.status = "exited";
      target.messagesDelivered[0]!.status = "read";
      target.nextMessageDue!.setTime(0);
      const read = await ctx.storage().targets.get(snapshot.id);
      expect(read).toEqual(snapshot);
      read!.contact.name = "changed";
      read!.messagesDelivered.push(makeDelivery());
      expect(await ctx.storage().targets.get(snapshot.id)).toEqual(snapshot);
    });

    it("updateIf applies every kind of change and returns the updated target", async () => {
      const target = makeTarget({ claim: { owner: "w", day: 1, stage: "sending", at: T0, expiresAt: at(MINUTE) } });
      await ctx.storage().targets.insertIfAbsent(target);
      const contact = { phone: "+33700000000", name: "Renamed", paymentLink: null };
      const updated = await ctx.storage().targets.updateIf(
        target.id,
        {},
        {
          status: "exited",
          currentDay: 2,
          nextMessageDue: null,
          failedAttempts: 3,
          lastSentDay: 1,
          exitedLoopAt: at(HOUR),
          exitReason: "send_failed",
          claim: null,
          contact,
          updatedAt: at(HOUR),
        },
      );
      const expected: Target = {
        ...target,
        status: "exited",
        currentDay: 2,
        nextMessageDue: null,
        failedAttempts: 3,
        lastSentDay: 1,
        exitedLoopAt: at(HOUR),
        exitReason: "send_failed",
        claim: null,
        contact,
        revision: 1,
        updatedAt: at(HOUR),
      };
      expect(updated).toEqual(expected);
      expect(await ctx.storage().targets.get(target.id)).toEqual(expected);
    });

    it("updateIf leaves fields that are not in the changes untouched", async () => {
      const target = fullTarget();
      await ctx.storage().targets.insertIfAbsent(target);
      const updated = await ctx.storage().targets.updateIf(target.id, {}, { failedAttempts: 2, updatedAt: at(HOUR) });
      expect(updated).toEqual({ ...target, failedAttempts: 2, revision: target.revision + 1, updatedAt: at(HOUR) });
    });

    it("updateIf returns null for an unknown target", async () => {
      expect(await ctx.storage().targets.updateIf("target-missing", {}, { updatedAt: T0 })).toBeNull();
      expect(await ctx.storage().targets.get("target-missing")).toBeNull();
    });

    it("revision increments on every successful updateIf; a stale revision condition fails", async () => {
      const target = makeTarget();
      await ctx.storage().targets.insertIfAbsent(target);
      expect((await ctx.storage().targets.updateIf(target.id, { revision: 0 }, { updatedAt: at(1) }))!.revision).toBe(1);
      expect((await ctx.storage().targets.updateIf(target.id, {}, { updatedAt: at(2) }))!.revision).toBe(2);
      expect(await ctx.storage().targets.updateIf(target.id, { revision: 1 }, { failedAttempts: 9, updatedAt: at(3) })).toBeNull();
      const stored = await ctx.storage().targets.get(target.id);
      expect(stored!.revision).toBe(2);
      expect(stored!.failedAttempts).toBe(0);
      expect(stored!.updatedAt).toEqual(at(2));
    });

    it("20 concurrent updateIf on one revision: exactly one wins", async () => {
      const target = makeTarget();
      await ctx.storage().targets.insertIfAbsent(target);
      const results = await Promise.all(
        range(20).map((i) => ctx.storage().targets.updateIf(target.id, { revision: 0 }, { failedAttempts: i, updatedAt: at(i) })),
      );
      expect(countNonNull(results)).toBe(1);
      expect((await ctx.storage().targets.get(target.id))!.revision).toBe(1);
    });

    it("each condition that does not hold makes updateIf return null and change nothing", async () => {
      const target = makeTarget({ currentDay: 2, nextMessageDue: at(HOUR) });
      await ctx.storage().targets.insertIfAbsent(target);
      const changes = { failedAttempts: 5, updatedAt: at(1) };
      expect(await ctx.storage().targets.updateIf(target.id, { status: "exited" }, changes)).toBeNull();
      expect(await ctx.storage().targets.updateIf(target.id, { currentDay: 1 }, changes)).toBeNull();
      expect(await ctx.storage().targets.updateIf(target.id, { revision: 7 }, changes)).toBeNull();
      expect(await ctx.storage().targets.updateIf(target.id, { dueBy: at(HOUR - 1) }, changes)).toBeNull();
      expect(await ctx.storage().targets.updateIf(target.id, { claimedBy: { owner: "w" } }, changes)).toBeNull();
      expect(await ctx.storage().targets.updateIf(target.id, { status: "active", currentDay: 2, revision: 0, dueBy: at(HOUR), claimedBy: { owner: "w" } }, changes)).toBeNull();
      expect(await ctx.storage().targets.get(target.id)).toEqual(target);

      const applied = await ctx.storage().targets.updateIf(target.id, { status: "active", currentDay: 2, revision: 0, dueBy: at(HOUR), unclaimedAt: T0 }, changes);
      expect(applied).toEqual({ ...target, failedAttempts: 5, revision: 1, updatedAt: at(1) });
    });

    it("dueBy does not match a target with no next message due", async () => {
      const target = makeTarget({ status: "completed", nextMessageDue: null, exitReason: "completed_7_days" });
      await ctx.storage().targets.insertIfAbsent(target);
      expect(await ctx.storage().targets.updateIf(target.id, { dueBy: at(HOUR) }, { updatedAt: at(1) })).toBeNull();
    });

    it("pushDelivery appends one delivery, also with 10 concurrent callers", async () => {
      const first = makeDelivery({ day: 1, status: "sent", messageId: "m-1" });
      const target = makeTarget({ messagesDelivered: [first] });
      await ctx.storage().targets.insertIfAbsent(target);
      const second = makeDelivery({ day: 2, sentAt: at(HOUR), messageId: "m-2", mediaMessageIds: ["m-2a"] });
      const updated = await ctx.storage().targets.updateIf(target.id, {}, { pushDelivery: second, updatedAt: at(HOUR) });
      expect(updated!.messagesDelivered).toEqual([first, second]);

      const more = range(10).map((i) => makeDelivery({ day: 3, sentAt: at(2 * HOUR + i), messageId: `m-3-${i}` }));
      await Promise.all(more.map((d) => ctx.storage().targets.updateIf(target.id, {}, { pushDelivery: d, updatedAt: d.sentAt })));
      const stored = await ctx.storage().targets.get(target.id);
      expect(stored!.messagesDelivered).toHaveLength(12);
      expect(stored!.messagesDelivered.slice(0, 2)).toEqual([first, second]);
      expect(stored!.messagesDelivered.map((d) => d.messageId).sort()).toEqual(["m-1", "m-2", ...more.map((d) => d.messageId!)].sort());
      expect(stored!.revision).toBe(11);
    });

    it("messagesDelivered replaces the whole array", async () => {
      const target = makeTarget({ messagesDelivered: [makeDelivery({ messageId: "m-1" }), makeDelivery({ day: 2, messageId: "m-2" })] });
      await ctx.storage().targets.insertIfAbsent(target);
      const receipts = [makeDelivery({ messageId: "m-1", status: "read", deliveredAt: at(1), readAt: at(2) })];
      const updated = await ctx.storage().targets.updateIf(target.id, { revision: 0 }, { messagesDelivered: receipts, updatedAt: at(2) });
      expect(updated!.messagesDelivered).toEqual(receipts);
      expect((await ctx.storage().targets.get(target.id))!.messagesDelivered).toEqual(receipts);
    });

    it("pushDelivery with messagesDelivered is refused (a StorageError named for the adapter): nothing written, nothing counted", async () => {
      const storage = ctx.storage();
      const target = makeTarget({ messagesDelivered: [makeDelivery({ messageId: "m-1" })] });
      await storage.targets.insertIfAbsent(target);
      const both = { pushDelivery: makeDelivery({ day: 2, messageId: "m-2" }), messagesDelivered: [], updatedAt: at(1) };
      const refused = await storage.targets.updateIf(target.id, {}, both).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(StorageError);
      expect((refused as Error).message).toMatch(new RegExp(`^\\[${storage.name}\\]`));
      const slots = [{ day: "2026-01-05", cap: 5 }];
      const refusedClaim = await storage.targets.claimReserving(target.id, {}, both, { referrerUserId: target.referrerUserId, slots }).catch((error: unknown) => error);
      expect(refusedClaim).toBeInstanceOf(StorageError);
      expect(await storage.targets.get(target.id)).toEqual(target);
      expect(await storage.counters.get(target.referrerUserId, "2026-01-05")).toBe(0);
    });
  });
}
