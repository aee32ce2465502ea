import { describe, expect, it } from "vitest";
import { dayStartOffsetMinutes, type RelanceOptions } from "@relance/core";
import type { OutboxItem } from "@relance/adapters";
import { createHarness, HOUR, type Harness } from "../support/engine-harness.js";

const MINUTE = 60_000;
const TICK = 5 * MINUTE;
/** 07:00 in Paris (winter), an hour before the default 08:00-20:00 window opens. */
const DAWN = "2026-01-05T06:00:00.000Z";
const OPENS_AT = Date.parse("2026-01-05T07:00:00.000Z");
const DAY = 24 * HOUR;

const HUMAN: Partial<RelanceOptions> = {
  messageDelayMs: 3000,
  messageJitterMs: 1000,
  typingMs: 0,
  firstContactGapMinMs: 45_000,
  firstContactGapMaxMs: 120_000,
  dayStartSpreadMs: 3 * HOUR,
};

async function population(referrers: number, perReferrer: number): Promise<Harness> {
  const h = await createHarness(HUMAN, undefined, DAWN);
  await h.seedMessages(7);
  for (let r = 0; r < referrers; r++) {
    await h.addReferrer(`referrer-${r}`, `+3360000${String(r).padStart(4, "0")}`);
    for (let i = 0; i < perReferrer; i++) await h.addReferral(`referrer-${r}`, `u-${r}-${i}`, `+3361${String(r).padStart(3, "0")}${String(i).padStart(4, "0")}`);
  }
  await h.engine.runEnrollment();
  return h;
}

/** The dispatch job every 5 simulated minutes from 07:00 to 21:00 local, for `days` days. */
async function runDays(h: Harness, days: number): Promise<void> {
  for (let day = 0; day < days; day++) {
    const from = Date.parse(DAWN) + day * DAY;
    for (let tick = from; tick < from + 14 * HOUR; tick += TICK) {
      if (h.clock.now().getTime() < tick) h.clock.set(new Date(tick));
      await h.dispatch();
    }
  }
}

const gaps = (items: OutboxItem[]) => items.slice(1).map((item, i) => item.sentAt.getTime() - items[i]!.sentAt.getTime());

describe("pace like a person (issue 21, item 1), over simulated days", () => {
  it("spreads referrers' day starts at stable offsets in the window's first hours, and first contacts 45-120 s apart", async () => {
    const referrers = 8;
    const perReferrer = 6;
    const h = await population(referrers, perReferrer);
    await runDays(h, 3);

    const window = { start: "08:00", end: "20:00" };
    const starts: number[] = [];
    const firstContactGaps: number[] = [];
    for (let r = 0; r < referrers; r++) {
      const id = `referrer-${r}`;
      const offset = dayStartOffsetMinutes(id, 3 * HOUR, window);
      expect(offset).toBeGreaterThanOrEqual(0);
      expect(offset).toBeLessThan(180);
      starts.push(offset);
      const outbox = h.transport.outbox(id);
      for (let day = 1; day <= 3; day++) {
        const items = outbox.filter((item) => item.day === day);
        expect(items, `${id} day ${day}`).toHaveLength(perReferrer);
        // Each day of the sequence starts at the referrer's own offset (its first due target
        // waited for it), give or take the dispatch job's period: the same offset every day.
        const dayOpens = OPENS_AT + (day - 1) * DAY + offset * MINUTE;
        const first = items[0]!.sentAt.getTime();
        expect(first, `${id} day ${day} starts at its offset`).toBeGreaterThanOrEqual(dayOpens);
        // Day 1 waits for the job's next run; a follow-up for its 24 h since the day before, too.
        expect(first - dayOpens).toBeLessThan(day === 1 ? TICK : 2 * TICK + 5_000);
        if (day === 1) {
          // Day 1: every message is a first contact.
          for (const gap of gaps(items)) {
            expect(gap).toBeGreaterThanOrEqual(45_000);
            expect(gap).toBeLessThanOrEqual(120_000);
            firstContactGaps.push(gap);
          }
        } else {
          // Follow-ups keep the message delay (3-4 s), not the first-contact gap: those due by
          // the same run of the job leave seconds apart.
          for (const gap of gaps(items)) expect(gap).toBeGreaterThanOrEqual(3000);
          expect(Math.min(...gaps(items)), `${id} day ${day}`).toBeLessThanOrEqual(4000);
        }
      }
    }
    // Spread, not a burst: the day starts cover the first hours, all different here.
    expect(new Set(starts).size).toBe(referrers);
    expect(Math.max(...starts) - Math.min(...starts)).toBeGreaterThan(60);
    // The first-contact gaps are drawn over the whole range (uniform), not pinned to its ends.
    expect(Math.min(...firstContactGaps)).toBeLessThan(65_000);
    expect(Math.max(...firstContactGaps)).toBeGreaterThan(100_000);
    const mean = firstContactGaps.reduce((a, b) => a + b, 0) / firstContactGaps.length;
    expect(mean).toBeGreaterThan(70_000);
    expect(mean).toBeLessThan(95_000);
  }, 60_000);

  it("with no spread and no first-contact gap, everyone starts at the opening, a few seconds apart (the old behaviour)", async () => {
    const h = await createHarness({ ...HUMAN, firstContactGapMinMs: 0, firstContactGapMaxMs: 0, dayStartSpreadMs: 0 }, undefined, DAWN);
    await h.seedMessages(1);
    for (let r = 0; r < 3; r++) {
      await h.addReferrer(`referrer-${r}`, `+3360000000${r}`);
      for (let i = 0; i < 3; i++) await h.addReferral(`referrer-${r}`, `u-${r}-${i}`, `+336200${r}000${i}`);
    }
    await h.engine.runEnrollment();
    await runDays(h, 1);
    for (let r = 0; r < 3; r++) {
      const items = h.transport.outbox(`referrer-${r}`);
      expect(items[0]!.sentAt.getTime()).toBe(OPENS_AT);
      for (const gap of gaps(items)) expect(gap).toBeLessThanOrEqual(4000);
    }
  });
});
