import { describe, expect, it } from "vitest";
import type { Referral } from "@relance/core";
import type { StoredReferrer } from "../../ports/directory-repository.js";
import { at, T0 } from "../builders.js";
import type { ContractContext } from "./context.js";

export function makeStoredReferrer(overrides: Partial<StoredReferrer> = {}): StoredReferrer {
  return { userId: "referrer-1", active: true, name: "Jean Martin", phone: "+33600000001", updatedAt: new Date(T0), ...overrides };
}

export function makeReferral(overrides: Partial<Referral> = {}): Referral {
  return {
    userId: "user-1",
    referrerId: "referrer-1",
    phone: "+33611111111",
    name: "Marie Curie",
    language: "fr",
    createdAt: new Date(T0),
    paid: false,
    paymentLink: "https://pay.example/user-1",
    ...overrides,
  };
}

export function describeDirectory(ctx: ContractContext): void {
  describe("directory", () => {
    it("getReferrer is null for an unknown referrer", async () => {
      expect(await ctx.storage().directory.getReferrer("nobody")).toBeNull();
    });

    it("upsertReferrer then getReferrer returns it, dates as Date", async () => {
      const referrer = makeStoredReferrer({ updatedAt: at(5) });
      await ctx.storage().directory.upsertReferrer(referrer);
      const stored = await ctx.storage().directory.getReferrer("referrer-1");
      expect(stored).toEqual(referrer);
      expect(stored!.updatedAt).toBeInstanceOf(Date);
      expect(stored!.updatedAt.getTime()).toBe(at(5).getTime());
    });

    it("upsertReferrer replaces by userId and keeps one record; referrers are separate", async () => {
      await ctx.storage().directory.upsertReferrer(makeStoredReferrer());
      await ctx.storage().directory.upsertReferrer(makeStoredReferrer({ userId: "referrer-2", name: "Other" }));
      const replaced = makeStoredReferrer({ active: false, name: "Jean M.", phone: null, updatedAt: at(1) });
      await ctx.storage().directory.upsertReferrer(replaced);
      expect(await ctx.storage().directory.getReferrer("referrer-1")).toEqual(replaced);
      expect(await ctx.storage().directory.getReferrer("referrer-2")).toEqual(makeStoredReferrer({ userId: "referrer-2", name: "Other" }));
    });

    it("the stored referrer is a copy: mutating what was given or returned changes nothing", async () => {
      const referrer = makeStoredReferrer();
      await ctx.storage().directory.upsertReferrer(referrer);
      referrer.name = "changed";
      referrer.updatedAt.setTime(0);
      const read = await ctx.storage().directory.getReferrer("referrer-1");
      read!.active = false;
      expect(await ctx.storage().directory.getReferrer("referrer-1")).toEqual(makeStoredReferrer());
    });

    it("listReferrals is empty for an unknown referrer", async () => {
      expect(await ctx.storage().directory.listReferrals("nobody")).toEqual([]);
    });

    it("upsertReferral then listReferrals round-trips every field, dates as Date", async () => {
      const referral = makeReferral({ createdAt: at(7) });
      await ctx.storage().directory.upsertReferral(referral);
      const listed = await ctx.storage().directory.listReferrals("referrer-1");
      expect(listed).toEqual([referral]);
      expect(listed[0]!.createdAt).toBeInstanceOf(Date);
      expect(listed[0]!.createdAt.getTime()).toBe(at(7).getTime());
    });

    it("keeps the paid flag and null language and paymentLink", async () => {
      const paid = makeReferral({ userId: "user-paid", paid: true, language: null, paymentLink: null });
      await ctx.storage().directory.upsertReferral(paid);
      expect(await ctx.storage().directory.listReferrals("referrer-1")).toEqual([paid]);
    });

    it("upsertReferral replaces by (referrerId, userId)", async () => {
      await ctx.storage().directory.upsertReferral(makeReferral());
      const replaced = makeReferral({ name: "Marie C.", phone: "+33622222222", paid: true, paymentLink: null, createdAt: at(3) });
      await ctx.storage().directory.upsertReferral(replaced);
      expect(await ctx.storage().directory.listReferrals("referrer-1")).toEqual([replaced]);
    });

    it("the same user under two referrers is two referrals, each listed under its referrer only", async () => {
      const first = makeReferral({ referrerId: "referrer-1" });
      const second = makeReferral({ referrerId: "referrer-2", name: "Marie (2)" });
      const other = makeReferral({ referrerId: "referrer-2", userId: "user-2" });
      await ctx.storage().directory.upsertReferral(first);
      await ctx.storage().directory.upsertReferral(second);
      await ctx.storage().directory.upsertReferral(other);
      expect(await ctx.storage().directory.listReferrals("referrer-1")).toEqual([first]);
      expect(await ctx.storage().directory.listReferrals("referrer-2")).toEqual([second, other]);
    });

    it("lists referrals by createdAt, then userId", async () => {
      const referrals = [
        makeReferral({ userId: "u-c", createdAt: at(2) }),
        makeReferral({ userId: "u-b", createdAt: at(1) }),
        makeReferral({ userId: "u-a", createdAt: at(2) }),
        makeReferral({ userId: "u-z", createdAt: at(0) }),
      ];
      for (const referral of referrals) await ctx.storage().directory.upsertReferral(referral);
      const listed = await ctx.storage().directory.listReferrals("referrer-1");
      expect(listed.map((referral) => referral.userId)).toEqual(["u-z", "u-b", "u-a", "u-c"]);
    });

    it("a replaced referral moves to its new createdAt in the order", async () => {
      await ctx.storage().directory.upsertReferral(makeReferral({ userId: "u-1", createdAt: at(1) }));
      await ctx.storage().directory.upsertReferral(makeReferral({ userId: "u-2", createdAt: at(2) }));
      await ctx.storage().directory.upsertReferral(makeReferral({ userId: "u-1", createdAt: at(3) }));
      expect((await ctx.storage().directory.listReferrals("referrer-1")).map((referral) => referral.userId)).toEqual(["u-2", "u-1"]);
    });

    it("getReferrals returns the referrer's referrals with those ids only, unknown ones left out", async () => {
      const directory = ctx.storage().directory;
      const mine = [makeReferral({ userId: "u-1" }), makeReferral({ userId: "u-2", createdAt: at(1) }), makeReferral({ userId: "u-3" })];
      for (const referral of mine) await directory.upsertReferral(referral);
      await directory.upsertReferral(makeReferral({ referrerId: "referrer-2", userId: "u-4" }));
      const found = await directory.getReferrals("referrer-1", ["u-2", "u-1", "u-4", "nobody", "u-1"]);
      expect(found.sort((a, b) => a.userId.localeCompare(b.userId))).toEqual([mine[0], mine[1]]);
      expect(found[1]!.createdAt).toBeInstanceOf(Date);
      expect(await directory.getReferrals("referrer-1", [])).toEqual([]);
    });

    it("listReferralChanges: all from a null cursor, then every referral upserted after, of that referrer only", async () => {
      const directory = ctx.storage().directory;
      await directory.upsertReferral(makeReferral({ userId: "u-1" }));
      await directory.upsertReferral(makeReferral({ userId: "u-2" }));
      const first = await directory.listReferralChanges("referrer-1", null);
      expect(first.items.map((r) => r.userId).sort()).toEqual(["u-1", "u-2"]);
      expect(first.cursor).not.toBeNull();

      const changed = makeReferral({ userId: "u-2", paid: true, name: "Changed" });
      await directory.upsertReferral(makeReferral({ userId: "u-3", createdAt: at(9) }));
      await directory.upsertReferral(changed);
      await directory.upsertReferral(makeReferral({ referrerId: "referrer-2", userId: "u-9" }));
      const second = await directory.listReferralChanges("referrer-1", first.cursor);
      const byId = new Map(second.items.map((r) => [r.userId, r]));
      expect(byId.get("u-2")).toEqual(changed);
      expect(byId.get("u-3")).toEqual(makeReferral({ userId: "u-3", createdAt: at(9) }));
      expect(byId.has("u-9")).toBe(false);
      expect(byId.get("u-3")!.createdAt).toBeInstanceOf(Date);

      await directory.upsertReferral(makeReferral({ userId: "u-4" }));
      const third = await directory.listReferralChanges("referrer-1", second.cursor);
      expect(third.items.map((r) => r.userId)).toContain("u-4");
      expect(await directory.listReferralChanges("nobody", null)).toMatchObject({ items: [] });
    });

    const repeats = ctx.options.repeatsRecentReferralChanges;
    it.skipIf(repeats !== undefined)(`listReferralChanges with nothing changed returns nothing${repeats ? ` (skipped: ${repeats})` : ""}`, async () => {
      const directory = ctx.storage().directory;
      await directory.upsertReferral(makeReferral({ userId: "u-1" }));
      const first = await directory.listReferralChanges("referrer-1", null);
      await directory.upsertReferral(makeReferral({ referrerId: "referrer-2", userId: "u-2" }));
      const idle = await directory.listReferralChanges("referrer-1", first.cursor);
      expect(idle.items).toEqual([]);
      expect((await directory.listReferralChanges("referrer-1", idle.cursor)).items).toEqual([]);
    });

    // Security review 2, L6: numbering changes from MAX(seq)+1 went back below a referrer's cursor
    // once the newest rows were erased, and the next referral stayed invisible to enrollment.
    it("listReferralChanges still shows a referral upserted after the newest ones were erased", async () => {
      const directory = ctx.storage().directory;
      await directory.upsertReferral(makeReferral({ referrerId: "referrer-2", userId: "alice" }));
      await directory.upsertReferral(makeReferral({ userId: "bob" }));
      await directory.upsertReferral(makeReferral({ referrerId: "referrer-2", userId: "carol" }));
      const first = await directory.listReferralChanges("referrer-2", null);
      expect(first.items.map((r) => r.userId).sort()).toEqual(["alice", "carol"]);
      await directory.deleteUser("carol");
      await directory.deleteUser("bob");
      await directory.upsertReferral(makeReferral({ referrerId: "referrer-2", userId: "dave" }));
      expect((await directory.listReferralChanges("referrer-2", first.cursor)).items.map((r) => r.userId)).toContain("dave");
    });

    it("listReferralChanges misses none of 30 concurrent upserts", async () => {
      const directory = ctx.storage().directory;
      const start = await directory.listReferralChanges("referrer-1", null);
      const seen = new Set<string>();
      let cursor = start.cursor;
      await Promise.all([
        ...Array.from({ length: 30 }, (_, i) => directory.upsertReferral(makeReferral({ userId: `c-${i}` }))),
        (async () => {
          for (let i = 0; i < 5; i++) {
            const page = await directory.listReferralChanges("referrer-1", cursor);
            for (const r of page.items) seen.add(r.userId);
            cursor = page.cursor;
          }
        })(),
      ]);
      for (const r of (await directory.listReferralChanges("referrer-1", cursor)).items) seen.add(r.userId);
      expect(seen.size).toBe(30);
    });

    it("10 concurrent upserts of one referral keep exactly one", async () => {
      await Promise.all(
        Array.from({ length: 10 }, (_, i) => ctx.storage().directory.upsertReferral(makeReferral({ name: `name-${i}` }))),
      );
      const listed = await ctx.storage().directory.listReferrals("referrer-1");
      expect(listed).toHaveLength(1);
      expect(listed[0]!.name).toMatch(/^name-\d$/);
    });
  });
}
