import { describe, expect, it } from "vitest";
import { DAY, HOUR, START, enrolledHarness } from "../support/engine-harness.js";

const at = (ms: number) => new Date(new Date(START).getTime() + ms);
/** 08:00 in Paris on day `n` after START's day (winter time). */
const morning = (n: number) => at(n * DAY - HOUR);

const enrolled = enrolledHarness;

describe("ramp-up of the daily cap after a new link", () => {
  it("caps local days 1, 2, ... at the configured steps, then at maxMessagesPerDay, and Status shows the effective cap", async () => {
    const h = await enrolled(30, { dailyCapRampUp: [2, 4, 6], maxMessagesPerDay: 8 });
    const sentPerDay: number[] = [];
    const limits: number[] = [];
    for (let day = 0; day < 5; day++) {
      if (day > 0) h.clock.set(morning(day));
      const result = await h.dispatch();
      const status = await h.engine.status("ref-1");
      sentPerDay.push(result.sent);
      limits.push(status.dailyLimit);
      expect(status.messagesSentToday).toBe(result.sent);
    }
    expect(limits).toEqual([2, 4, 6, 8, 8]);
    expect(sentPerDay).toEqual([2, 4, 6, 8, 8]);
  });

  it("starts again after a logout and a new link, and a step above maxMessagesPerDay is capped by it", async () => {
    const h = await enrolled(0, { dailyCapRampUp: [2, 50], maxMessagesPerDay: 10 });
    h.clock.set(morning(1));
    expect((await h.engine.status("ref-1")).dailyLimit).toBe(10);
    h.clock.set(morning(3));
    expect((await h.engine.status("ref-1")).dailyLimit).toBe(10);
    h.transport.drop("ref-1", { loggedOut: true });
    await h.engine.idle();
    await h.engine.connect("ref-1", { method: "qr" });
    h.transport.link("ref-1", "+33600000001");
    await h.engine.idle();
    expect((await h.engine.status("ref-1")).dailyLimit).toBe(2);
  });
});

describe("first-contact cap", () => {
  it("defers only first messages to the next day once spent; targets already written to keep going", async () => {
    const h = await enrolled(4, { maxFirstContactsPerDay: 2, dayIntervalMs: 2 * HOUR });
    const first = await h.dispatch();
    expect(first).toMatchObject({ sent: 2, deferred: 2 });
    expect(await h.storage.counters.get("ref-1", "first-contact:2026-01-05")).toBe(2);
    const waiting = (await h.engine.listTargets("ref-1")).items.filter((t) => t.messagesDelivered.length === 0);
    expect(waiting).toHaveLength(2);
    // Tuesday, when the window opens.
    expect(waiting.every((t) => t.nextMessageDue!.getTime() === morning(1).getTime())).toBe(true);

    // Two hours later, the same day: day 2 of the first two leaves; two new referrals wait for tomorrow.
    h.clock.set(at(2 * HOUR));
    await h.addReferral("ref-1", "user-new-1", "+33622222201");
    await h.addReferral("ref-1", "user-new-2", "+33622222202");
    await h.engine.runEnrollment();
    const second = await h.dispatch();
    expect(second).toMatchObject({ sent: 2, deferred: 2 });
    expect(h.transport.outbox().slice(2).map((m) => m.day)).toEqual([2, 2]);
    expect(await h.storage.counters.get("ref-1", "first-contact:2026-01-05")).toBe(2);
    // The plain daily counter counts every send.
    expect((await h.engine.status("ref-1")).messagesSentToday).toBe(4);

    h.clock.set(morning(1));
    const next = await h.dispatch();
    expect(h.transport.outbox().filter((m) => m.day === 1)).toHaveLength(4);
    expect(next.deferred).toBe(2);
  });

  it("gives the budget back when nothing left: a number not on WhatsApp does not spend it", async () => {
    const h = await enrolled(3, { maxFirstContactsPerDay: 2 });
    h.transport.setOnWhatsApp("+33611111100", false);
    expect(await h.dispatch()).toMatchObject({ sent: 2, exited: 1, deferred: 0 });
    expect(await h.storage.counters.get("ref-1", "first-contact:2026-01-05")).toBe(2);
  });
});
