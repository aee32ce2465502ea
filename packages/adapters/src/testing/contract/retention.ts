import { describe, expect, it } from "vitest";
import { PURGED_CONTACT } from "@relance/core";
import { at, makeConfig, makeTarget } from "../builders.js";
import type { ContractContext } from "./context.js";

const referral = (referrerId: string, userId: string) => ({
  userId,
  referrerId,
  phone: "+33611111111" as const,
  name: "Léa",
  language: "fr" as const,
  createdAt: at(0),
  paid: false,
  paymentLink: "https://pay.example/x",
});

/** Security 9: contacts are purged after the retention period, and a person can be erased. */
export function describeRetention(ctx: ContractContext): void {
  describe("retention and erasure", () => {
    it("listPurgeable lists, by id, the targets that ended before the cutoff and still hold a contact; purgeContacts empties those", async () => {
      const targets = ctx.storage().targets;
      await targets.insertIfAbsent(makeTarget({ id: "t-old", referrerUserId: "r1", referralUserId: "u1", status: "exited", exitReason: "paid", exitedLoopAt: at(1_000), nextMessageDue: null }));
      await targets.insertIfAbsent(makeTarget({ id: "t-recent", referralUserId: "u2", status: "completed", exitReason: "completed_7_days", exitedLoopAt: at(9_000), nextMessageDue: null }));
      await targets.insertIfAbsent(makeTarget({ id: "t-active", referralUserId: "u3" }));
      expect(await targets.listPurgeable(at(5_000), 100)).toEqual([{ id: "t-old", referrerUserId: "r1", referralUserId: "u1" }]);
      expect(await targets.purgeContacts(["t-old"])).toBe(1);
      expect((await targets.get("t-old"))!).toMatchObject({ contact: PURGED_CONTACT, revision: 1 });
      expect((await targets.get("t-recent"))!.contact.name).not.toBe("");
      expect(await targets.listPurgeable(at(5_000), 100)).toEqual([]);
      // Only ended targets, each counted once: an active one named by mistake keeps its contact.
      expect(await targets.purgeContacts(["t-active", "t-recent", "t-old", "t-missing"])).toBe(1);
      expect((await targets.get("t-active"))!.contact.phone).not.toBe(PURGED_CONTACT.phone);
      expect((await targets.get("t-active"))!.revision).toBe(0);
      expect((await targets.get("t-old"))!.revision).toBe(1);
      expect((await targets.get("t-recent"))!.contact).toEqual(PURGED_CONTACT);
      expect(await targets.purgeContacts(["t-recent"])).toBe(0);
      expect(await targets.purgeContacts([])).toBe(0);
    });

    it("listPurgeable answers at most `limit`, in id order", async () => {
      const targets = ctx.storage().targets;
      for (const i of [3, 0, 4, 1, 2]) await targets.insertIfAbsent(makeTarget({ id: `t-${i}`, referralUserId: `u${i}`, status: "exited", exitReason: "manual", exitedLoopAt: at(i), nextMessageDue: null }));
      expect((await targets.listPurgeable(at(100), 2)).map((t) => t.id)).toEqual(["t-0", "t-1"]);
      expect(await targets.purgeContacts(["t-0", "t-1"])).toBe(2);
      expect((await targets.listPurgeable(at(100), 2)).map((t) => t.id)).toEqual(["t-2", "t-3"]);
    });

    it("directory.deleteReferrals removes the named (referrer, referral) records only", async () => {
      const directory = ctx.storage().directory;
      await directory.upsertReferral(referral("r1", "u1"));
      await directory.upsertReferral(referral("r1", "u2"));
      await directory.upsertReferral(referral("r2", "u1"));
      expect(await directory.deleteReferrals([{ referrerId: "r1", userId: "u1" }, { referrerId: "r3", userId: "u9" }])).toBe(1);
      expect((await directory.listReferrals("r1")).map((r) => r.userId)).toEqual(["u2"]);
      expect((await directory.listReferrals("r2")).map((r) => r.userId)).toEqual(["u1"]);
      expect(await directory.deleteReferrals([])).toBe(0);
    });

    it("directory.deleteReferralRecords removes the users' records as referrals, under every referrer, and nothing else", async () => {
      const directory = ctx.storage().directory;
      await directory.upsertReferrer({ userId: "paid", active: true, name: "P", phone: "+33600000001", updatedAt: at(0) });
      await directory.upsertReferral(referral("r1", "paid"));
      await directory.upsertReferral(referral("r2", "paid"));
      await directory.upsertReferral(referral("r1", "other"));
      await directory.upsertReferral(referral("paid", "u1"));
      await directory.upsertReferral(referral("r2", "left"));
      expect(await directory.deleteReferralRecords(["paid", "left", "unknown"])).toBe(3);
      expect((await directory.listReferrals("r1")).map((r) => r.userId)).toEqual(["other"]);
      expect(await directory.listReferrals("r2")).toEqual([]);
      // Their own referrer record, and the referrals pushed under them, stay.
      expect(await directory.getReferrer("paid")).not.toBeNull();
      expect((await directory.listReferrals("paid")).map((r) => r.userId)).toEqual(["u1"]);
      expect(await directory.deleteReferralRecords([])).toBe(0);
    });

    it("deleteByUser removes the targets where the user is the referral or the referrer", async () => {
      const targets = ctx.storage().targets;
      await targets.insertIfAbsent(makeTarget({ id: "t-1", referrerUserId: "r1", referralUserId: "erased" }));
      await targets.insertIfAbsent(makeTarget({ id: "t-2", referrerUserId: "erased", referralUserId: "u2" }));
      await targets.insertIfAbsent(makeTarget({ id: "t-3", referrerUserId: "r1", referralUserId: "u3" }));
      expect(await targets.deleteByUser("erased")).toBe(2);
      expect(await targets.get("t-1")).toBeNull();
      expect(await targets.get("t-2")).toBeNull();
      expect(await targets.get("t-3")).not.toBeNull();
      expect((await targets.list({}, { limit: 10 })).items.map((t) => t.id)).toEqual(["t-3"]);
      expect(await targets.deleteByUser("erased")).toBe(0);
    });

    it("directory.deleteUser removes the user as a referrer (with their referrals) and as a referral", async () => {
      const directory = ctx.storage().directory;
      await directory.upsertReferrer({ userId: "erased", active: true, name: "E", phone: "+33600000001", updatedAt: at(0) });
      await directory.upsertReferral(referral("erased", "u1"));
      await directory.upsertReferral(referral("r1", "erased"));
      await directory.upsertReferral(referral("r1", "u2"));
      expect(await directory.deleteUser("erased")).toBe(3);
      expect(await directory.getReferrer("erased")).toBeNull();
      expect(await directory.listReferrals("erased")).toEqual([]);
      expect((await directory.listReferrals("r1")).map((r) => r.userId)).toEqual(["u2"]);
    });

    it("configs.delete removes a referrer's config", async () => {
      const configs = ctx.storage().configs;
      await configs.getOrCreate(makeConfig({ referrerUserId: "erased" }));
      await configs.getOrCreate(makeConfig({ referrerUserId: "kept" }));
      expect(await configs.delete("erased")).toBe(true);
      expect(await configs.delete("erased")).toBe(false);
      expect(await configs.get("erased")).toBeNull();
      expect(await configs.get("kept")).not.toBeNull();
    });
  });
}
