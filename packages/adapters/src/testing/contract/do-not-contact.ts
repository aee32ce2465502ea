import { describe, expect, it } from "vitest";
import { at, T0 } from "../builders.js";
import { range, type ContractContext } from "./context.js";

export function describeDoNotContact(ctx: ContractContext): void {
  describe("do-not-contact", () => {
    it("add then has; unknown numbers are not listed", async () => {
      await ctx.storage().doNotContact.add({ phone: "+33611111111", reason: "opted_out", referrerUserId: "referrer-1", addedAt: T0 });
      expect(await ctx.storage().doNotContact.has("+33611111111")).toBe(true);
      expect(await ctx.storage().doNotContact.has("+33622222222")).toBe(false);
    });

    it("add is idempotent, also with 10 concurrent callers", async () => {
      await ctx.storage().doNotContact.add({ phone: "+33611111111", reason: "opted_out", referrerUserId: "referrer-1", addedAt: T0 });
      await ctx.storage().doNotContact.add({ phone: "+33611111111", reason: "manual", referrerUserId: null, addedAt: at(1) });
      await Promise.all(
        range(10).map((i) => ctx.storage().doNotContact.add({ phone: "+33633333333", reason: "manual", referrerUserId: null, addedAt: at(i) })),
      );
      expect(await ctx.storage().doNotContact.has("+33611111111")).toBe(true);
      expect(await ctx.storage().doNotContact.has("+33633333333")).toBe(true);
      expect(await ctx.storage().doNotContact.remove("+33633333333")).toBe(true);
      expect(await ctx.storage().doNotContact.has("+33633333333")).toBe(false);
    });

    it("filterListed returns the listed numbers among those given", async () => {
      await ctx.storage().doNotContact.add({ phone: "+33611111111", reason: "opted_out", referrerUserId: null, addedAt: T0 });
      await ctx.storage().doNotContact.add({ phone: "+33622222222", reason: "manual", referrerUserId: null, addedAt: T0 });
      const listed = await ctx.storage().doNotContact.filterListed(["+33622222222", "+33699999999", "+33611111111"]);
      expect(listed).toBeInstanceOf(Set);
      expect([...listed].sort()).toEqual(["+33611111111", "+33622222222"]);
      expect((await ctx.storage().doNotContact.filterListed([])).size).toBe(0);
    });

    it("remove is true once, then false", async () => {
      await ctx.storage().doNotContact.add({ phone: "+33611111111", reason: "opted_out", referrerUserId: null, addedAt: T0 });
      expect(await ctx.storage().doNotContact.remove("+33611111111")).toBe(true);
      expect(await ctx.storage().doNotContact.remove("+33611111111")).toBe(false);
      expect(await ctx.storage().doNotContact.has("+33611111111")).toBe(false);
    });
  });
}
