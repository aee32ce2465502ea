import { describe, expect, it } from "vitest";
import { ClockScheduler, ManualClock } from "../../src/index.js";

// The demo's scheduler: cron patterns on a manual clock's time (npm run demo, issue 24 item 1).
describe("ClockScheduler", () => {
  it("runs a job once when the clock passes its tick, missed ticks coalesced, in scheduling order", async () => {
    const clock = new ManualClock("2026-01-05T08:00:30Z", { autoAdvance: false });
    const scheduler = new ClockScheduler(clock);
    const runs: string[] = [];
    scheduler.schedule("hourly", "0 * * * *", async () => void runs.push(`hourly@${clock.now().toISOString()}`));
    const minutely = scheduler.schedule("minutely", "* * * * *", async () => void runs.push(`minutely@${clock.now().toISOString()}`));

    expect(await scheduler.runDue()).toEqual([]);
    clock.advance(30_000); // 08:01:00
    expect(await scheduler.runDue()).toEqual(["minutely"]);
    expect(await scheduler.runDue()).toEqual([]);
    clock.set("2026-01-05T09:30:00Z"); // past 09:00 and ninety minute ticks: each job once
    expect(await scheduler.runDue()).toEqual(["hourly", "minutely"]);
    minutely.stop();
    clock.set("2026-01-05T10:00:00Z");
    expect(await scheduler.runDue()).toEqual(["hourly"]);
    expect(runs).toEqual(["minutely@2026-01-05T08:01:00.000Z", "hourly@2026-01-05T09:30:00.000Z", "minutely@2026-01-05T09:30:00.000Z", "hourly@2026-01-05T10:00:00.000Z"]);
  });
});
