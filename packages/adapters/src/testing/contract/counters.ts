import { describe, expect, it } from "vitest";
import { countNonNull, range, type ContractContext } from "./context.js";

const DAY = "2026-01-05";

export function describeCounters(ctx: ContractContext): void {
  describe("daily counters", () => {
    it("purgeBefore deletes the counters of one owner prefix whose key sorts before the given one, and only those", async () => {
      const counters = ctx.storage().counters;
      await counters.tryIncrement("ratelimit:auth:10.0.0.1", "2026-01-05T10:00:00.000Z", 100);
      await counters.tryIncrement("ratelimit:auth:10.0.0.2", "2026-01-05T10:10:00.000Z", 100);
      await counters.tryIncrement("ratelimit:auth:10.0.0.1", "2026-01-05T10:20:00.000Z", 100);
      await counters.tryIncrement("ratelimit:connect:r-1", "2026-01-05T10:00:00.000Z", 100);
      // A referrer's daily counter, whose owner only looks like the prefix's start.
      await counters.tryIncrement("ratelimit", "2026-01-04", 100);
      await counters.tryIncrement("referrer-1", "2026-01-04", 100);
      expect(await counters.purgeBefore("ratelimit:auth:", "2026-01-05T10:20:00.000Z")).toBe(2);
      expect(await counters.get("ratelimit:auth:10.0.0.1", "2026-01-05T10:00:00.000Z")).toBe(0);
      expect(await counters.get("ratelimit:auth:10.0.0.2", "2026-01-05T10:10:00.000Z")).toBe(0);
      expect(await counters.get("ratelimit:auth:10.0.0.1", "2026-01-05T10:20:00.000Z")).toBe(1);
      expect(await counters.get("ratelimit:connect:r-1", "2026-01-05T10:00:00.000Z")).toBe(1);
      expect(await counters.get("ratelimit", "2026-01-04")).toBe(1);
      expect(await counters.get("referrer-1", "2026-01-04")).toBe(1);
      expect(await counters.purgeBefore("ratelimit:auth:", "2026-01-05T10:20:00.000Z")).toBe(0);
      // A prefix holding LIKE or regex characters is taken literally.
      await counters.tryIncrement("a%_.*:x", "2026-01-01", 100);
      await counters.tryIncrement("abc:x", "2026-01-01", 100);
      expect(await counters.purgeBefore("a%_.*:", "2026-01-02")).toBe(1);
      expect(await counters.get("abc:x", "2026-01-01")).toBe(1);
    });

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

    it("tryIncrementAll counts every slot, or none when one is at its cap (and says which)", async () => {
      const counters = ctx.storage().counters;
      const slots = [
        { day: `first-contact:${DAY}`, cap: 2 },
        { day: DAY, cap: 3 },
      ];
      expect(await counters.tryIncrementAll("referrer-1", slots)).toEqual({ counted: true });
      expect(await counters.tryIncrementAll("referrer-1", slots)).toEqual({ counted: true });
      expect(await counters.get("referrer-1", `first-contact:${DAY}`)).toBe(2);
      expect(await counters.get("referrer-1", DAY)).toBe(2);
      // The first slot is full: nothing counted.
      expect(await counters.tryIncrementAll("referrer-1", slots)).toEqual({ counted: false, full: 0 });
      expect(await counters.get("referrer-1", DAY)).toBe(2);
      // The second slot is full: the first is not counted either.
      expect(await counters.tryIncrementAll("referrer-1", [{ day: "2026-01-06", cap: 5 }, { day: DAY, cap: 2 }])).toEqual({ counted: false, full: 1 });
      expect(await counters.get("referrer-1", "2026-01-06")).toBe(0);
      expect(await counters.get("referrer-1", DAY)).toBe(2);
      // A cap of 0 counts nothing; other referrers are apart.
      expect(await counters.tryIncrementAll("referrer-2", [{ day: DAY, cap: 5 }, { day: "2026-01-07", cap: 0 }])).toEqual({ counted: false, full: 1 });
      expect(await counters.get("referrer-2", DAY)).toBe(0);
      expect(await counters.tryIncrementAll("referrer-2", [{ day: DAY, cap: 1 }])).toEqual({ counted: true });
    });

    it("50 concurrent tryIncrementAll on new counters, caps 100 and 10: exactly 10 counted, no count past a cap", async () => {
      const slots = [
        { day: `first-contact:${DAY}`, cap: 100 },
        { day: DAY, cap: 10 },
      ];
      const answers = await Promise.all(range(50).map(() => ctx.storage().counters.tryIncrementAll("referrer-1", slots)));
      expect(answers.filter((a) => a.counted)).toHaveLength(10);
      expect(answers.filter((a) => !a.counted).every((a) => !a.counted && a.full === 1)).toBe(true);
      expect(await ctx.storage().counters.get("referrer-1", DAY)).toBe(10);
      expect(await ctx.storage().counters.get("referrer-1", `first-contact:${DAY}`)).toBe(10);
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

    it("listRange reads one owner's counters whose key sorts in [from, to), ordered by key, and nothing else", async () => {
      const counters = ctx.storage().counters;
      const bump = async (owner: string, key: string, times = 1) => {
        for (const _ of range(times)) await counters.tryIncrement(owner, key, Number.MAX_SAFE_INTEGER);
      };
      await bump("health:r-1", "2026-01-05T07:s", 2);
      await bump("health:r-1", "2026-01-05T08:s", 3);
      await bump("health:r-1", "2026-01-05T08:d", 2);
      await bump("health:r-1", "2026-01-05T09:f");
      await bump("health:r-1", "2026-01-05T10:s");
      // Other owners, including one the owner is a prefix of, and a plain daily counter.
      await bump("health:r-10", "2026-01-05T08:s", 5);
      await bump("health:r", "2026-01-05T08:s", 5);
      await bump("r-1", "2026-01-05", 4);
      expect(await counters.listRange("health:r-1", "2026-01-05T08", "2026-01-05T10;")).toEqual([
        { key: "2026-01-05T08:d", count: 2 },
        { key: "2026-01-05T08:s", count: 3 },
        { key: "2026-01-05T09:f", count: 1 },
        { key: "2026-01-05T10:s", count: 1 },
      ]);
      // `to` is excluded; a counter given back to 0 may be left out.
      expect(await counters.listRange("health:r-1", "2026-01-05T07", "2026-01-05T08:s")).toEqual([
        { key: "2026-01-05T07:s", count: 2 },
        { key: "2026-01-05T08:d", count: 2 },
      ]);
      await counters.decrement("health:r-1", "2026-01-05T09:f");
      expect((await counters.listRange("health:r-1", "2026-01-05T09", "2026-01-05T10")).filter((e) => e.count > 0)).toEqual([]);
      expect(await counters.listRange("health:nobody", "2026-01-01", "2027-01-01")).toEqual([]);
    });
  });
}
