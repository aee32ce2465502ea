import { describe, expect, it } from "vitest";
import { dayStartOffsetMinutes, type RelanceOptions } from "@relance/core";
import type { OutboxItem } from "@relance/adapters";
import { createHarness, HOUR, NO_NEW_ACCOUNT_LIMITS, type Harness } from "../support/engine-harness.js";

// Issue 21, what was left of item 1: a dispatch run waited through every paced batch (about
// 35 min for 25 first contacts at 45-120 s), and the scheduler skipped its ticks meanwhile, so a
// referrer whose day started during someone else's batch started when that run ended: start
// times moved in steps of a run's length. Here the dispatch job ticks every minute on the
// simulated clock, as croner would, and runs overlap: a sender being paced is skipped by the
// next runs, the others start at their own offset.

const MINUTE = 60_000;
const DAY = 24 * HOUR;
/** 07:00 in Paris (winter), an hour before the default 08:00-20:00 window opens. */
const DAWN = "2026-01-05T06:00:00.000Z";
const OPENS_AT = Date.parse("2026-01-05T07:00:00.000Z");
const WINDOW = { start: "08:00", end: "20:00" };
const REFERRERS = 10;
const PER_REFERRER = 25;

/** The real pacing defaults (45-120 s first contacts, 3 h day-start spread, 3-5 s follow-ups, typing 2-6 s). */
const DEFAULT_PACING: Partial<RelanceOptions> = {
  messageDelayMs: 3000,
  messageJitterMs: 2000,
  typingMs: 2000,
  typingMaxMs: 6000,
  firstContactGapMinMs: 45_000,
  firstContactGapMaxMs: 120_000,
  dayStartSpreadMs: 3 * HOUR,
  ...NO_NEW_ACCOUNT_LIMITS,
};

async function population(): Promise<Harness> {
  const h = await createHarness(DEFAULT_PACING, undefined, DAWN);
  await h.seedMessages(7);
  for (let r = 0; r < REFERRERS; r++) {
    await h.addReferrer(`referrer-${r}`, `+3360000${String(r).padStart(4, "0")}`);
    for (let i = 0; i < PER_REFERRER; i++) await h.addReferral(`referrer-${r}`, `u-${r}-${i}`, `+3361${String(r).padStart(3, "0")}${String(i).padStart(4, "0")}`);
  }
  await h.engine.runEnrollment();
  return h;
}

/**
 * The scheduler's dispatch tick every simulated minute from 07:00 to 21:00 local, for `days`
 * days, without waiting for the run it starts (croner does not either): the clock moves on while
 * runs pace their senders.
 */
async function tickEveryMinute(h: Harness, days: number): Promise<void> {
  h.engine.start();
  const runs: Array<Promise<unknown>> = [];
  for (let day = 0; day < days; day++) {
    const from = Date.parse(DAWN) + day * DAY;
    if (h.clock.now().getTime() < from) h.clock.set(new Date(from));
    for (let tick = from; tick < from + 14 * HOUR; tick += MINUTE) {
      const wait = tick - h.clock.now().getTime();
      if (wait > 0) await h.clock.sleep(wait);
      runs.push(h.scheduler.tick("dispatch"));
    }
  }
  await Promise.all(runs);
  await h.engine.stop();
}

const gaps = (items: OutboxItem[]) => items.slice(1).map((item, i) => item.sentAt.getTime() - items[i]!.sentAt.getTime());

describe("paced sending does not hold other senders' day starts (issue 21, item 1)", () => {
  it("over simulated days with the job ticking every minute, each referrer starts at its own offset (not in steps of a run) and first contacts stay 45-120 s apart", { timeout: 120_000 }, async () => {
    const h = await population();
    await tickEveryMinute(h, 2);

    const lateness: number[] = [];
    const offsets: number[] = [];
    for (let r = 0; r < REFERRERS; r++) {
      const id = `referrer-${r}`;
      const offset = dayStartOffsetMinutes(id, 3 * HOUR, WINDOW);
      offsets.push(offset);
      const outbox = h.transport.outbox(id);
      const day1 = outbox.filter((item) => item.day === 1);
      // Every first contact of day 1 left, on day 1, 45-120 s apart (typing included).
      expect(day1, id).toHaveLength(PER_REFERRER);
      for (const gap of gaps(day1)) {
        expect(gap, id).toBeGreaterThanOrEqual(45_000);
        expect(gap, id).toBeLessThanOrEqual(120_000);
      }
      // The first message leaves within the job's period (and the typing time) of the sender's start.
      const startsAt = OPENS_AT + offset * MINUTE;
      const late = day1[0]!.sentAt.getTime() - startsAt;
      expect(late, `${id} (offset ${offset} min)`).toBeGreaterThanOrEqual(0);
      lateness.push(late);
      // Day 2's follow-ups are due 24 h after day 1's messages: the same start, the same rhythm.
      const day2 = outbox.filter((item) => item.day === 2);
      expect(day2, id).toHaveLength(PER_REFERRER);
      expect(day2[0]!.sentAt.getTime() - day1[0]!.sentAt.getTime() - DAY, id).toBeLessThan(2 * MINUTE);
    }
    // The offsets are spread and some senders' batches overlap (each lasts about 35 min).
    expect(Math.max(...offsets) - Math.min(...offsets)).toBeGreaterThan(90);
    // Not quantized: no start waits for another sender's batch.
    expect(Math.max(...lateness), `lateness (ms) ${lateness.join(", ")}`).toBeLessThanOrEqual(MINUTE + 6_000);
  });
});
