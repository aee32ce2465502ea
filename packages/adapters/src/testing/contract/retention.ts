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
    it("purgeContacts empties the contact of targets that ended before the cutoff, and only those", async () => {
      const targets = ctx.storage().targets;
      await targets.insertIfAbsent(makeTarget({ id: "t-old", referralUserId: "u1", status: "exited", exitReason: "paid", exitedLoopAt: at(1_000), nextMessageDue: null }));
      await targets.insertIfAbsent(makeTarget({ id: "t-recent", referralUserId: "u2", status: "completed", exitReason: "completed_7_days", exitedLoopAt: at(9_000), nextMessageDue: null }));
      await targets.insertIfAbsent(makeTarget({ id: "t-active", referralUserId: "u3" }));
      expect(await targets.purgeContacts(at(5_000), 100)).toBe(1);
      expect((await targets.get("t-old"))!.contact).toEqual(PURGED_CONTACT);
      expect((await targets.get("t-recent"))!.contact.name).not.toBe("");
      expect((await targets.get("t-active"))!.contact.phone).not.toBe(PURGED_CONTACT.phone);
      // Idempotent: a purged contact is not counted again.
      expect(await targets.purgeContacts(at(10_000), 100)).toBe(1);
      expect(await targets.purgeContacts(at(10_000), 100)).toBe(0);
    });

    it("purgeContacts works in batches of at most `limit`", async () => {
      const targets = ctx.storage().targets;
      for (let i = 0; i < 5; i++) await targets.insertIfAbsent(makeTarget({ id: `t-${i}`, referralUserId: `u${i}`, status: "exited", exitReason: "manual", exitedLoopAt: at(i), nextMessageDue: null }));
      expect(await targets.purgeContacts(at(100), 2)).toBe(2);
      expect(await targets.purgeContacts(at(100), 2)).toBe(2);
      expect(await targets.purgeContacts(at(100), 2)).toBe(1);
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
