import { describe, expect, it } from "vitest";
import {
  HOLDOUT_BUCKETS,
  holdoutBucket,
  holdoutEnd,
  holdoutGroup,
  liftOf,
  loopDay,
  newcombeDifferenceInterval,
  wilsonInterval,
} from "../src/index.js";
import { liftStats } from "../src/use-cases/stats.js";

const DAY = 24 * 3_600_000;
const ids = Array.from({ length: 20_000 }, (_, i) => `user-${i}`);

describe("holdout assignment", () => {
  it("is a pure function of the referral id, spread evenly over the buckets", () => {
    expect(ids.slice(0, 50).map(holdoutBucket)).toEqual(ids.slice(0, 50).map(holdoutBucket));
    const buckets = ids.map(holdoutBucket);
    expect(buckets.every((b) => Number.isInteger(b) && b >= 0 && b < HOLDOUT_BUCKETS)).toBe(true);
    // Ten deciles of 2 000 ids each: none off by more than 10 %.
    const deciles = Array.from({ length: 10 }, (_, d) => buckets.filter((b) => Math.floor(b / 1000) === d).length);
    for (const count of deciles) expect(Math.abs(count - 2000)).toBeLessThan(200);
  });

  it("holds out the share asked for, and raising it keeps everyone held out so far", () => {
    const share = (percent: number) => ids.filter((id) => holdoutGroup(id, percent) === "holdout").length / ids.length;
    expect(share(10)).toBeCloseTo(0.1, 1);
    expect(Math.abs(share(20) - 0.2)).toBeLessThan(0.01);
    expect(Math.abs(share(50) - 0.5)).toBeLessThan(0.01);
    const at10 = ids.filter((id) => holdoutGroup(id, 10) === "holdout");
    expect(at10.every((id) => holdoutGroup(id, 20) === "holdout")).toBe(true);
    expect(holdoutGroup("user-1", 0)).toBeNull();
    expect(ids.filter((id) => holdoutGroup(id, 20) !== null).length).toBe(ids.length);
  });

  it("ends a held-out sequence when its last day would have left: the window's next opening, then totalDays − 1 days", () => {
    const window = { start: "08:00", end: "20:00" };
    // 10:00 in Paris: inside the window.
    expect(holdoutEnd(new Date("2026-01-05T09:00:00Z"), "Europe/Paris", window, 7, DAY).toISOString()).toBe("2026-01-11T09:00:00.000Z");
    // 21:30 in Paris: the first day would leave at 08:00 the next morning.
    expect(holdoutEnd(new Date("2026-01-05T20:30:00Z"), "Europe/Paris", window, 7, DAY).toISOString()).toBe("2026-01-12T07:00:00.000Z");
    expect(holdoutEnd(new Date("2026-01-05T09:00:00Z"), "Europe/Paris", window, 1, DAY).toISOString()).toBe("2026-01-05T09:00:00.000Z");
  });

  it("dates an exit by the loop's day, 1 during the first 24 h", () => {
    const entered = new Date("2026-01-05T09:00:00Z");
    expect(loopDay(entered, entered, DAY)).toBe(1);
    expect(loopDay(entered, new Date(entered.getTime() + DAY - 1), DAY)).toBe(2 - 1);
    expect(loopDay(entered, new Date(entered.getTime() + DAY), DAY)).toBe(2);
    expect(loopDay(entered, new Date(entered.getTime() + 6.5 * DAY), DAY)).toBe(7);
  });
});

const round4 = ([lo, hi]: [number, number]) => [Number(lo.toFixed(4)), Number(hi.toFixed(4))];

describe("intervals", () => {
  it("Wilson's score interval matches Newcombe (1998a), method 3", () => {
    expect(round4(wilsonInterval(81, 263))).toEqual([0.2553, 0.3662]);
    expect(round4(wilsonInterval(15, 148))).toEqual([0.0624, 0.1605]);
    expect(round4(wilsonInterval(0, 20))).toEqual([0, 0.1611]);
    expect(round4(wilsonInterval(1, 29))).toEqual([0.0061, 0.1718]);
  });

  // Newcombe, "Interval estimation for the difference between independent proportions: comparison
  // of eleven methods", Statistics in Medicine 17:873–890 (1998), Table II, method 10.
  it.each([
    [56, 70, 48, 80, 0.0524, 0.3339],
    [9, 10, 3, 10, 0.1705, 0.809],
    [5, 56, 0, 29, -0.0381, 0.1926],
    [0, 10, 0, 20, -0.1611, 0.2775],
    [0, 10, 0, 10, -0.2775, 0.2775],
    [10, 10, 0, 20, 0.6791, 1],
    [10, 10, 0, 10, 0.6075, 1],
  ])("Newcombe's hybrid score interval for %i/%i − %i/%i is [%d, %d]", (x1, n1, x2, n2, lo, hi) => {
    expect(round4(newcombeDifferenceInterval(x1, n1, x2, n2))).toEqual([lo, hi]);
  });
});

describe("lift", () => {
  it("gives rates, absolute and relative lift, and the interval once both groups have 30 targets", () => {
    expect(liftOf({ targets: 200, converted: 80 }, { targets: 50, converted: 5 })).toEqual({
      treated: { targets: 200, converted: 80, rate: 0.4 },
      holdout: { targets: 50, converted: 5, rate: 0.1 },
      absolute: expect.closeTo(0.3, 10),
      relative: expect.closeTo(3, 10),
      ci95: [expect.any(Number), expect.any(Number)],
    });
    const ci = liftOf({ targets: 200, converted: 80 }, { targets: 50, converted: 5 }).ci95!;
    expect(round4(ci)).toEqual(round4(newcombeDifferenceInterval(80, 200, 5, 50)));
    expect(liftOf({ targets: 200, converted: 80 }, { targets: 29, converted: 5 }).ci95).toBeNull();
    expect(liftOf({ targets: 10, converted: 1 }, { targets: 10, converted: 0 })).toMatchObject({ absolute: 0.1, relative: null, ci95: null });
    expect(liftOf({ targets: 0, converted: 0 }, { targets: 0, converted: 0 })).toEqual({
      treated: { targets: 0, converted: 0, rate: 0 },
      holdout: { targets: 0, converted: 0, rate: 0 },
      absolute: null,
      relative: null,
      ci95: null,
    });
  });

  it("cumulates each group's conversions day by day over the loop", () => {
    const stats = liftStats(
      {
        treated: { targets: 100, converted: 30, convertedByDay: { "1": 10, "3": 15, "8": 4 } },
        holdout: { targets: 40, converted: 4, convertedByDay: { "2": 4 } },
      },
      7,
    );
    expect(stats.byDay.map((d) => [d.day, d.treated, d.holdout])).toEqual([
      [1, 0.1, 0],
      [2, 0.1, 0.1],
      [3, 0.25, 0.1],
      [4, 0.25, 0.1],
      [5, 0.25, 0.1],
      [6, 0.25, 0.1],
      [7, 0.25, 0.1],
      [8, 0.29, 0.1],
    ]);
    expect(stats.byDay[7]!.ci95).not.toBeNull();
    expect(stats.absolute).toBeCloseTo(0.2);
    expect(liftStats({ treated: { targets: 0, converted: 0, convertedByDay: {} }, holdout: { targets: 0, converted: 0, convertedByDay: {} } }, 7).byDay).toEqual([]);
  });
});
