import { describe, expect, it } from "vitest";
import { at } from "../builders.js";
import type { ContractContext } from "./context.js";

export function describeEnrollmentCursors(ctx: ContractContext): void {
  describe("enrollment cursors", () => {
    it("get is null for a referrer never enrolled", async () => {
      expect(await ctx.storage().enrollmentCursors.get("referrer-1")).toBeNull();
    });

    it("set then get round-trips, dates as Date; set replaces; referrers are separate", async () => {
      const cursors = ctx.storage().enrollmentCursors;
      const first = { referrerUserId: "referrer-1", since: "c-1", waiting: ["u-1", "u-2"], updatedAt: at(1) };
      await cursors.set(first);
      await cursors.set({ referrerUserId: "referrer-2", since: null, waiting: [], updatedAt: at(2) });
      expect(await cursors.get("referrer-1")).toEqual(first);
      const replaced = { referrerUserId: "referrer-1", since: null, waiting: [], updatedAt: at(3) };
      await cursors.set(replaced);
      const read = await cursors.get("referrer-1");
      expect(read).toEqual(replaced);
      expect(read!.updatedAt).toBeInstanceOf(Date);
      expect(await cursors.get("referrer-2")).toEqual({ referrerUserId: "referrer-2", since: null, waiting: [], updatedAt: at(2) });
    });
  });
}
