import { describe, expect, it } from "vitest";
import { effectiveDailyCap, firstContactCounterKey, localDayNumber, resolveOptions } from "../src/index.js";
import { senderConcurrency } from "../src/engine/concurrency.js";

const policy = { maxMessagesPerDay: 100, dailyCapRampUp: [20, 40, 60, 80] };

describe("ramp-up of the daily cap", () => {
  it("counts local calendar days since the link, in the referrer's time zone", () => {
    // Linked at 23:30 in Paris on Monday: 00:30 on Tuesday is already day 2.
    const linkedAt = new Date("2026-01-05T22:30:00Z");
    expect(localDayNumber(linkedAt, new Date("2026-01-05T22:59:00Z"), "Europe/Paris")).toBe(1);
    expect(localDayNumber(linkedAt, new Date("2026-01-05T23:30:00Z"), "Europe/Paris")).toBe(2);
    // Still Monday in New York.
    expect(localDayNumber(linkedAt, new Date("2026-01-05T23:30:00Z"), "America/New_York")).toBe(1);
    // Across a DST change (29 March 2026 in Paris).
    expect(localDayNumber(new Date("2026-03-28T10:00:00Z"), new Date("2026-03-30T10:00:00Z"), "Europe/Paris")).toBe(3);
  });

  it("applies the steps on days 1..n, then the full cap; never above the full cap", () => {
    const linkedAt = new Date("2026-01-05T09:00:00Z");
    const day = (n: number) => new Date(linkedAt.getTime() + (n - 1) * 86_400_000);
    expect([1, 2, 3, 4, 5, 30].map((n) => effectiveDailyCap(policy, linkedAt, day(n), "Europe/Paris"))).toEqual([20, 40, 60, 80, 100, 100]);
    expect(effectiveDailyCap({ maxMessagesPerDay: 30, dailyCapRampUp: [20, 40] }, linkedAt, day(2), "Europe/Paris")).toBe(30);
    expect(effectiveDailyCap({ maxMessagesPerDay: 30, dailyCapRampUp: [] }, linkedAt, day(1), "Europe/Paris")).toBe(30);
    expect(effectiveDailyCap(policy, null, day(1), "Europe/Paris")).toBe(100);
    // A clock behind the link (set back by hand) is day 1, not the full cap.
    expect(effectiveDailyCap(policy, linkedAt, day(0), "Europe/Paris")).toBe(20);
  });

  it("keeps first contacts under their own counter key", () => {
    expect(firstContactCounterKey(new Date("2026-01-05T23:30:00Z"), "Europe/Paris")).toBe("first-contact:2026-01-06");
  });
});

describe("options for live accounts", () => {
  it("typing is a 2-6 s range by default; a typingMs given alone stays a fixed time", () => {
    expect(resolveOptions({}, "i")).toMatchObject({ typingMs: 2000, typingMaxMs: 6000, dailyCapRampUp: [20, 40, 60, 80], maxFirstContactsPerDay: 25 });
    expect(resolveOptions({ typingMs: 500 }, "i")).toMatchObject({ typingMs: 500, typingMaxMs: 500 });
    expect(() => resolveOptions({ typingMs: 3000, typingMaxMs: 1000 }, "i")).toThrow(/typingMaxMs/);
    expect(() => resolveOptions({ dailyCapRampUp: [20, 0] }, "i")).toThrow(/dailyCapRampUp\[1\]/);
    expect(() => resolveOptions({ maxFirstContactsPerDay: 0 }, "i")).toThrow(/maxFirstContactsPerDay/);
  });

  it("senders in parallel never exceed the transport's session cap", () => {
    expect(senderConcurrency(50, undefined)).toBe(50);
    expect(senderConcurrency(50, 5)).toBe(5);
    expect(senderConcurrency(3, 5)).toBe(3);
    expect(senderConcurrency(50, 0)).toBe(50);
  });
});
