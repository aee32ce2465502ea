import { describe, expect, it } from "vitest";
import {
  instantAtLocal,
  isInsideWindow,
  isValidTimeZone,
  localDateKey,
  nextAllowedInstant,
  nextInstantAfterDailyLimit,
  offsetAt,
  startOfNextLocalDay,
} from "../src/index.js";

const at = (iso: string) => new Date(iso);
const DAYTIME = { start: "08:00", end: "20:00" };

describe("time zones", () => {
  it("knows IANA names", () => {
    expect(isValidTimeZone("Europe/Paris")).toBe(true);
    expect(isValidTimeZone("Mars/Olympus")).toBe(false);
    expect(isValidTimeZone("")).toBe(false);
  });

  it("reads offsets on both sides of the Paris DST changes", () => {
    expect(offsetAt("Europe/Paris", at("2026-03-29T00:59:59Z"))).toBe(3_600_000);
    expect(offsetAt("Europe/Paris", at("2026-03-29T01:00:00Z"))).toBe(7_200_000);
    expect(offsetAt("Europe/Paris", at("2026-10-25T00:59:59Z"))).toBe(7_200_000);
    expect(offsetAt("Europe/Paris", at("2026-10-25T01:00:00Z"))).toBe(3_600_000);
  });

  it("maps local wall times to instants, including skipped and repeated ones", () => {
    expect(instantAtLocal("Europe/Paris", { year: 2026, month: 3, day: 29 }, 8 * 60).toISOString()).toBe("2026-03-29T06:00:00.000Z");
    // 02:30 does not exist that night: the instant just after the jump (03:30 CEST).
    expect(instantAtLocal("Europe/Paris", { year: 2026, month: 3, day: 29 }, 150).toISOString()).toBe("2026-03-29T01:30:00.000Z");
    // 02:30 happens twice in October: the later one (CET).
    expect(instantAtLocal("Europe/Paris", { year: 2026, month: 10, day: 25 }, 150).toISOString()).toBe("2026-10-25T01:30:00.000Z");
    expect(instantAtLocal("Asia/Kolkata", { year: 2026, month: 1, day: 1 }, 0).toISOString()).toBe("2025-12-31T18:30:00.000Z");
  });

  it("keys days in local time", () => {
    expect(localDateKey("Europe/Paris", at("2026-01-05T23:30:00Z"))).toBe("2026-01-06");
    expect(localDateKey("America/Los_Angeles", at("2026-01-05T03:00:00Z"))).toBe("2026-01-04");
    expect(startOfNextLocalDay(at("2026-03-28T22:00:00Z"), "Europe/Paris").toISOString()).toBe("2026-03-28T23:00:00.000Z");
    expect(startOfNextLocalDay(at("2026-03-29T12:00:00Z"), "Europe/Paris").toISOString()).toBe("2026-03-29T22:00:00.000Z");
  });
});

describe("send window", () => {
  it("is open inside and closed at the end bound", () => {
    expect(isInsideWindow(at("2026-01-05T07:00:00Z"), "Europe/Paris", DAYTIME)).toBe(true);
    expect(isInsideWindow(at("2026-01-05T06:59:59Z"), "Europe/Paris", DAYTIME)).toBe(false);
    expect(isInsideWindow(at("2026-01-05T19:00:00Z"), "Europe/Paris", DAYTIME)).toBe(false);
    expect(isInsideWindow(at("2026-01-05T18:59:59Z"), "Europe/Paris", DAYTIME)).toBe(true);
  });

  it("points to the next opening, same day or next", () => {
    expect(nextAllowedInstant(at("2026-01-05T05:00:00Z"), "Europe/Paris", DAYTIME).toISOString()).toBe("2026-01-05T07:00:00.000Z");
    expect(nextAllowedInstant(at("2026-01-05T19:30:00Z"), "Europe/Paris", DAYTIME).toISOString()).toBe("2026-01-06T07:00:00.000Z");
    expect(nextAllowedInstant(at("2026-12-31T22:00:00Z"), "Europe/Paris", DAYTIME).toISOString()).toBe("2027-01-01T07:00:00.000Z");
  });

  it("crosses midnight when start is after end", () => {
    const night = { start: "22:00", end: "06:00" };
    expect(isInsideWindow(at("2026-01-05T22:30:00Z"), "Europe/Paris", night)).toBe(true);
    expect(isInsideWindow(at("2026-01-06T04:59:00Z"), "Europe/Paris", night)).toBe(true);
    expect(nextAllowedInstant(at("2026-01-06T05:00:00Z"), "Europe/Paris", night).toISOString()).toBe("2026-01-06T21:00:00.000Z");
  });

  it("is always open when start equals end", () => {
    const now = at("2026-01-05T03:00:00Z");
    expect(nextAllowedInstant(now, "Europe/Paris", { start: "00:00", end: "00:00" })).toBe(now);
  });

  it("defers a reached daily limit to the next local day's opening, across DST", () => {
    expect(nextInstantAfterDailyLimit(at("2026-03-28T15:00:00Z"), "Europe/Paris", DAYTIME).toISOString()).toBe("2026-03-29T06:00:00.000Z");
    expect(nextInstantAfterDailyLimit(at("2026-10-24T15:00:00Z"), "Europe/Paris", DAYTIME).toISOString()).toBe("2026-10-25T07:00:00.000Z");
  });
});

// Issue 23, item 2: "start ≠ end" was written at three edges and not checked by resolveOptions.
describe("send window rule, once in the core", () => {
  it("sendWindowIssues names each broken field; the engine's options refuse an equal pair", async () => {
    const { sendWindowIssues } = await import("../src/model/send-window.js");
    const { resolveOptions } = await import("../src/engine/options.js");
    expect(sendWindowIssues({ start: "08:00", end: "20:00" })).toEqual([]);
    expect(sendWindowIssues({ start: "22:00", end: "06:00" })).toEqual([]);
    expect(sendWindowIssues({ start: "09:00", end: "09:00" })).toEqual([{ path: "end", message: "must differ from start (use 00:00-23:59 for the whole day)" }]);
    expect(sendWindowIssues({ start: "8:00", end: "24:00" }).map((i) => i.path)).toEqual(["start", "end"]);
    expect(() => resolveOptions({ defaultSendWindow: { start: "09:00", end: "09:00" } }, "i")).toThrow(/defaultSendWindow.*must differ from start/);
    expect(() => resolveOptions({ defaultSendWindow: { start: "09:00", end: "9:30" } }, "i")).toThrow(/defaultSendWindow/);
    expect(resolveOptions({ defaultSendWindow: { start: "00:00", end: "23:59" } }, "i").defaultSendWindow).toEqual({ start: "00:00", end: "23:59" });
  });
});
