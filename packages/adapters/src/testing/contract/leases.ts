import { describe, expect, it } from "vitest";
import { at, MINUTE, T0 } from "../builders.js";
import { range, type ContractContext } from "./context.js";

const TTL = 30_000;

export function describeLeases(ctx: ContractContext): void {
  describe("leases", () => {
    it("get is null for an unknown lease", async () => {
      expect(await ctx.storage().leases.get("session:r1")).toBeNull();
    });

    it("acquire takes a free lease until now + ttl", async () => {
      expect(await ctx.storage().leases.acquire("session:r1", "worker-a", T0, TTL)).toBe(true);
      const lease = await ctx.storage().leases.get("session:r1");
      expect(lease).toEqual({ name: "session:r1", owner: "worker-a", expiresAt: at(TTL) });
      expect(lease!.expiresAt).toBeInstanceOf(Date);
    });

    it("a second owner is refused while the lease is live", async () => {
      await ctx.storage().leases.acquire("session:r1", "worker-a", T0, TTL);
      expect(await ctx.storage().leases.acquire("session:r1", "worker-b", at(TTL - 1), TTL)).toBe(false);
      expect(await ctx.storage().leases.get("session:r1")).toEqual({ name: "session:r1", owner: "worker-a", expiresAt: at(TTL) });
    });

    it("the holder renews, which extends the expiry", async () => {
      await ctx.storage().leases.acquire("session:r1", "worker-a", T0, TTL);
      expect(await ctx.storage().leases.acquire("session:r1", "worker-a", at(20_000), TTL)).toBe(true);
      expect((await ctx.storage().leases.get("session:r1"))!.expiresAt).toEqual(at(20_000 + TTL));
      expect(await ctx.storage().leases.acquire("session:r1", "worker-b", at(TTL + 1), TTL)).toBe(false);
    });

    it("another owner takes over an expired lease", async () => {
      await ctx.storage().leases.acquire("session:r1", "worker-a", T0, TTL);
      expect(await ctx.storage().leases.acquire("session:r1", "worker-b", at(MINUTE), TTL)).toBe(true);
      expect(await ctx.storage().leases.get("session:r1")).toEqual({ name: "session:r1", owner: "worker-b", expiresAt: at(MINUTE + TTL) });
      expect(await ctx.storage().leases.acquire("session:r1", "worker-a", at(MINUTE), TTL)).toBe(false);
    });

    it("release works only for the holder", async () => {
      await ctx.storage().leases.acquire("session:r1", "worker-a", T0, TTL);
      expect(await ctx.storage().leases.release("session:r1", "worker-b")).toBe(false);
      expect((await ctx.storage().leases.get("session:r1"))!.owner).toBe("worker-a");
      expect(await ctx.storage().leases.release("session:r1", "worker-a")).toBe(true);
      expect(await ctx.storage().leases.get("session:r1")).toBeNull();
      expect(await ctx.storage().leases.release("session:r1", "worker-a")).toBe(false);
      expect(await ctx.storage().leases.acquire("session:r1", "worker-b", at(1), TTL)).toBe(true);
    });

    it("leases with different names are independent", async () => {
      expect(await ctx.storage().leases.acquire("session:r1", "worker-a", T0, TTL)).toBe(true);
      expect(await ctx.storage().leases.acquire("session:r2", "worker-b", T0, TTL)).toBe(true);
    });

    it("exactly one of 20 concurrent owners acquires a free lease", async () => {
      const results = await Promise.all(range(20).map((i) => ctx.storage().leases.acquire("session:r1", `worker-${i}`, T0, TTL)));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect((await ctx.storage().leases.get("session:r1"))!.owner).toBe(`worker-${results.indexOf(true)}`);
    });

    it("exactly one of 20 concurrent owners takes over an expired lease", async () => {
      await ctx.storage().leases.acquire("session:r1", "worker-old", T0, TTL);
      const results = await Promise.all(
        range(20).map((i) => ctx.storage().leases.acquire("session:r1", `worker-${i}`, at(MINUTE), TTL)),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      expect((await ctx.storage().leases.get("session:r1"))!.owner).toBe(`worker-${results.indexOf(true)}`);
    });
  });
}
