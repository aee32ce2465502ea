import { describe, expect, it } from "vitest";
import type { ContractContext } from "./context.js";

export function describeLifecycle(ctx: ContractContext): void {
  describe("lifecycle", () => {
    it("has a name", () => {
      expect(typeof ctx.storage().name).toBe("string");
      expect(ctx.storage().name.length).toBeGreaterThan(0);
    });

    it("init is idempotent and ping resolves", async () => {
      await ctx.storage().init();
      await ctx.storage().init();
      await expect(ctx.storage().ping()).resolves.toBeUndefined();
    });
  });
}
