import { describe, expect, it } from "vitest";
import { countNonNull, range, type ContractContext } from "./context.js";

const DAY = "2026-01-05";

export function describeCounters(ctx: ContractContext): void {
  describe("daily counters", () => {
    it("get is 0 for an unknown counter", async () => {
      expect(await ctx.storage().counters.get("referrer-1", DAY)).toBe(0);
    });

    it("tryIncrement counts up to the cap, then returns null without counting", async () => {
      expect(await ctx.storage().counters.tryIncrement("referrer-1", DAY, 2)).toBe(1);
      expect(await ctx.storage().counters.tryIncrement("referrer-1", DAY, 2)).toBe(2);
      expect(await ctx.storage().counters.tryIncrement("referrer-1", DAY, 2)).toBeNull();
      expect(await ctx.storage().counters.get("referrer-1", DAY)).toBe(2);
      expect(await ctx.storage().counters.tryIncrement("referrer-1", DAY, 3)).toBe(3);
    });

    it("50 concurrent tryIncrement with cap 10: exactly 10 succeed, with counts 1..10", async () => {
      const results = await Promise.all(range(50).map(() => ctx.storage().counters.tryIncrement("referrer-1", DAY, 10)));
      expect(countNonNull(results)).toBe(10);
      expect(results.filter((r): r is number => r !== null).sort((a, b) => a - b)).toEqual(range(10).map((i) => i + 1));
      expect(await ctx.storage().counters.get("referrer-1", DAY)).toBe(10);
    });

    it("decrement gives back one and never goes below 0", async () => {
      await ctx.storage().counters.tryIncrement("referrer-1", DAY, 10);
      await ctx.storage().counters.tryIncrement("referrer-1", DAY, 10);
      await ctx.storage().counters.decrement("referrer-1", DAY);
      expect(await ctx.storage().counters.get("referrer-1", DAY)).toBe(1);
      await ctx.storage().counters.decrement("referrer-1", DAY);
      await ctx.storage().counters.decrement("referrer-1", DAY);
      expect(await ctx.storage().counters.get("referrer-1", DAY)).toBe(0);
      await ctx.storage().counters.decrement("referrer-2", DAY);
      expect(await ctx.storage().counters.get("referrer-2", DAY)).toBe(0);
      expect(await ctx.storage().counters.tryIncrement("referrer-1", DAY, 10)).toBe(1);
    });

    it("20 concurrent decrements of a count of 5 stop at 0", async () => {
      for (const _ of range(5)) await ctx.storage().counters.tryIncrement("referrer-1", DAY, 10);
      await Promise.all(range(20).map(() => ctx.storage().counters.decrement("referrer-1", DAY)));
      expect(await ctx.storage().counters.get("referrer-1", DAY)).toBe(0);
    });

    it("counters are separate per day and per referrer", async () => {
      await ctx.storage().counters.tryIncrement("referrer-1", DAY, 1);
      expect(await ctx.storage().counters.tryIncrement("referrer-1", "2026-01-06", 1)).toBe(1);
      expect(await ctx.storage().counters.tryIncrement("referrer-2", DAY, 1)).toBe(1);
      expect(await ctx.storage().counters.tryIncrement("referrer-1", DAY, 1)).toBeNull();
      expect(await ctx.storage().counters.get("referrer-1", DAY)).toBe(1);
    });

    it("sumForDay adds every referrer's count for that day only", async () => {
      for (const _ of range(3)) await ctx.storage().counters.tryIncrement("referrer-1", DAY, 10);
      for (const _ of range(2)) await ctx.storage().counters.tryIncrement("referrer-2", DAY, 10);
      for (const _ of range(4)) await ctx.storage().counters.tryIncrement("referrer-1", "2026-01-06", 10);
      expect(await ctx.storage().counters.sumForDay(DAY)).toBe(5);
      expect(await ctx.storage().counters.sumForDay("2026-01-06")).toBe(4);
      expect(await ctx.storage().counters.sumForDay("2026-02-01")).toBe(0);
    });
  });
}
