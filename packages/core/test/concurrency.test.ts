import { describe, expect, it } from "vitest";
import { forEachWithConcurrency } from "../src/engine/concurrency.js";

// Issue 23, item 6: its doc said "failures are returned, not thrown", which it never did.
describe("forEachWithConcurrency does what its doc says", () => {
  it("runs each item once with at most `limit` in flight", async () => {
    let running = 0;
    let most = 0;
    const seen: number[] = [];
    await forEachWithConcurrency([1, 2, 3, 4, 5, 6, 7], 3, async (item) => {
      running++;
      most = Math.max(most, running);
      await Promise.resolve();
      seen.push(item);
      running--;
    });
    expect(seen.sort()).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(most).toBe(3);
  });

  it("rejects with the failure of a `work` that throws (callers catch inside `work`)", async () => {
    const failure = new Error("boom");
    await expect(
      forEachWithConcurrency([1, 2, 3], 2, async (item) => {
        if (item === 2) throw failure;
      }),
    ).rejects.toBe(failure);
  });
});
