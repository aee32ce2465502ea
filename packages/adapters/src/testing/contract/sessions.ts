import { describe, expect, it } from "vitest";
import { range, type ContractContext } from "./context.js";

export function describeSessions(ctx: ContractContext): void {
  describe("sessions", () => {
    it("get returns {} and exists is false for an unknown session", async () => {
      expect(await ctx.storage().sessions.get("s1", ["creds"])).toEqual({});
      expect(await ctx.storage().sessions.exists("s1")).toBe(false);
    });

    it("set writes entries; get returns only the keys that exist", async () => {
      await ctx.storage().sessions.set("s1", { creds: "c-1", "pre-key-1": "k-1" });
      expect(await ctx.storage().sessions.get("s1", ["creds", "pre-key-1", "missing"])).toEqual({ creds: "c-1", "pre-key-1": "k-1" });
      expect(await ctx.storage().sessions.get("s1", [])).toEqual({});
      expect(await ctx.storage().sessions.exists("s1")).toBe(true);
    });

    it("keeps keys with dots, dollars and slashes and large values", async () => {
      const big = "x".repeat(200_000);
      const entries = { "app-state-sync-key-AAA.bbb": "v1", "$weird/key": "v2", "session-33612345678.0": big };
      await ctx.storage().sessions.set("s1", entries);
      expect(await ctx.storage().sessions.get("s1", Object.keys(entries))).toEqual(entries);
    });

    it("set overwrites values, and a null value deletes its key", async () => {
      await ctx.storage().sessions.set("s1", { creds: "c-1", a: "1", b: "2" });
      await ctx.storage().sessions.set("s1", { creds: "c-2", a: null, c: "3" });
      expect(await ctx.storage().sessions.get("s1", ["creds", "a", "b", "c"])).toEqual({ creds: "c-2", b: "2", c: "3" });
      await ctx.storage().sessions.set("s1", { creds: null, b: null, c: null });
      expect(await ctx.storage().sessions.exists("s1")).toBe(false);
    });

    it("clear deletes every key of one session only", async () => {
      await ctx.storage().sessions.set("s1", { a: "1", b: "2" });
      await ctx.storage().sessions.set("s2", { a: "other" });
      await ctx.storage().sessions.clear("s1");
      expect(await ctx.storage().sessions.exists("s1")).toBe(false);
      expect(await ctx.storage().sessions.get("s1", ["a", "b"])).toEqual({});
      expect(await ctx.storage().sessions.get("s2", ["a"])).toEqual({ a: "other" });
      await ctx.storage().sessions.clear("unknown");
    });

    it("20 concurrent sets of different keys of one session all persist", async () => {
      await Promise.all(range(20).map((i) => ctx.storage().sessions.set("s1", { [`key-${i}`]: `value-${i}` })));
      const keys = range(20).map((i) => `key-${i}`);
      const values = await ctx.storage().sessions.get("s1", keys);
      expect(Object.keys(values).sort()).toEqual([...keys].sort());
      expect(values["key-7"]).toBe("value-7");
    });
  });
}
