import { describe, expect, it } from "vitest";
import { FAST, createHarness } from "../support/engine-harness.js";

async function harnessWith(referrals: number, options = {}, start?: string) {
  const h = await createHarness({ ...FAST, ...options }, undefined, start);
  await h.seedMessages(7);
  await h.addReferrer("ref-1", "+33600000001");
  for (let i = 0; i < referrals; i++) await h.addReferral("ref-1", `user-${i}`, `+336111111${String(i).padStart(2, "0")}`);
  await h.engine.runEnrollment();
  return h;
}

describe("daily limit", () => {
  it("is exact with two dispatch runs at once in one process (the second joins the first), and defers the rest to the next day's window", async () => {
    const h = await harnessWith(10, { maxMessagesPerDay: 4 });
    const [a, b] = await Promise.all([h.engine.runDispatch(), h.engine.runDispatch()]);
    expect(b).toBe(a);
    expect(a.sent).toBe(4);
    expect(h.transport.outbox()).toHaveLength(4);
    expect((await h.engine.status("ref-1")).messagesSentToday).toBe(4);

    const waiting = (await h.engine.listTargets("ref-1", { status: "active" })).items.filter((t) => t.currentDay === 1);
    expect(waiting).toHaveLength(6);
    // Tuesday 08:00 in Paris (UTC+1).
    expect(waiting.every((t) => t.nextMessageDue!.toISOString() === "2026-01-06T07:00:00.000Z")).toBe(true);

    h.clock.set("2026-01-06T06:59:00.000Z");
    expect((await h.dispatch()).sent).toBe(0);
    h.clock.set("2026-01-06T07:00:00.000Z");
    expect((await h.dispatch()).sent).toBe(4);
    expect((await h.engine.status("ref-1")).messagesSentToday).toBe(4);
  });

  it("is exact with two processes dispatching the same sender at once", async () => {
    const h = await harnessWith(10, { maxMessagesPerDay: 3 });
    const other = h.spawnProcess();
    const results = await Promise.all([h.engine.runDispatch(), other.runDispatch(), h.engine.runDispatch(), other.runDispatch()]);
    // Calls in one process join its run in flight: count each distinct run once.
    expect([...new Set(results)].reduce((sum, r) => sum + r.sent, 0)).toBe(3);
    expect(h.transport.outbox()).toHaveLength(3);
    expect(new Set(h.transport.outbox().map((m) => m.to)).size).toBe(3);
  });

  it("counts per local calendar day of the referrer (Tokyo), not per UTC day", async () => {
    // 23:30 in Tokyo.
    const h = await harnessWith(2, { maxMessagesPerDay: 1 }, "2026-01-05T14:30:00.000Z");
    await h.engine.updateConfig("ref-1", { timezone: "Asia/Tokyo", sendWindow: { start: "00:00", end: "23:59" } });
    expect((await h.dispatch()).sent).toBe(1);
    const deferred = (await h.engine.listTargets("ref-1")).items.find((t) => t.messagesDelivered.length === 0)!;
    expect(deferred.nextMessageDue!.toISOString()).toBe("2026-01-05T15:00:00.000Z");
    h.clock.set("2026-01-05T15:00:00.000Z");
    expect((await h.dispatch()).sent).toBe(1);
  });
});

describe("send window", () => {
  it("defers outside the window to its next opening in the referrer's time zone", async () => {
    // 21:30 in Paris: after the default 08:00–20:00 window.
    const h = await harnessWith(1, {}, "2026-01-05T20:30:00.000Z");
    const result = await h.dispatch();
    expect(result).toMatchObject({ sent: 0, deferred: 1 });
    const [target] = (await h.engine.listTargets("ref-1")).items;
    expect(target!.nextMessageDue!.toISOString()).toBe("2026-01-06T07:00:00.000Z");

    await h.engine.updateConfig("ref-1", { timezone: "America/New_York" });
    h.clock.set("2026-01-06T07:00:00.000Z"); // 02:00 in New York
    expect((await h.dispatch()).deferred).toBe(1);
    expect((await h.engine.listTargets("ref-1")).items[0]!.nextMessageDue!.toISOString()).toBe("2026-01-06T13:00:00.000Z");
    h.clock.set("2026-01-06T13:00:00.000Z");
    expect((await h.dispatch()).sent).toBe(1);
  });

  it("opens at 08:00 local time across the spring DST change (Europe/Paris)", async () => {
    // Saturday 28 March 2026, 21:00 CET; clocks jump to summer time in the night.
    const h = await harnessWith(1, {}, "2026-03-28T20:00:00.000Z");
    await h.dispatch();
    expect((await h.engine.listTargets("ref-1")).items[0]!.nextMessageDue!.toISOString()).toBe("2026-03-29T06:00:00.000Z");
  });

  it("opens at 08:00 local time across the autumn DST change (Europe/Paris)", async () => {
    // Saturday 24 October 2026, 21:30 CEST; clocks go back to winter time in the night.
    const h = await harnessWith(1, {}, "2026-10-24T19:30:00.000Z");
    await h.dispatch();
    expect((await h.engine.listTargets("ref-1")).items[0]!.nextMessageDue!.toISOString()).toBe("2026-10-25T07:00:00.000Z");
  });

  it("handles a window that crosses midnight (22:00–06:00)", async () => {
    const h = await harnessWith(1, {}, "2026-01-05T11:00:00.000Z"); // 12:00 Paris
    await h.engine.updateConfig("ref-1", { sendWindow: { start: "22:00", end: "06:00" } });
    expect((await h.dispatch()).deferred).toBe(1);
    expect((await h.engine.listTargets("ref-1")).items[0]!.nextMessageDue!.toISOString()).toBe("2026-01-05T21:00:00.000Z");

    h.clock.set("2026-01-06T02:30:00.000Z"); // 03:30 Paris, inside the window after midnight
    expect((await h.dispatch()).sent).toBe(1);
    h.clock.set("2026-01-07T05:00:00.000Z"); // 06:00 Paris: closed again
    expect((await h.dispatch()).deferred).toBe(1);
    expect((await h.engine.listTargets("ref-1")).items[0]!.nextMessageDue!.toISOString()).toBe("2026-01-07T21:00:00.000Z");
  });

  it("holds targets while sending is paused or the referrer disabled: looked at again every heldRecheckMs, nothing else changed", async () => {
    const h = await harnessWith(2);
    const recheck = 10 * 60_000;
    await h.engine.updateConfig("ref-1", { sendingPaused: true });
    expect(await h.dispatch()).toMatchObject({ sent: 0, held: 2 });
    // Deferred: the next runs do not look at them again before heldRecheckMs.
    expect(await h.dispatch()).toMatchObject({ sent: 0, held: 0 });
    await h.engine.updateConfig("ref-1", { sendingPaused: false, enabled: false });
    h.clock.advance(recheck);
    expect(await h.dispatch()).toMatchObject({ sent: 0, held: 2 });
    const before = (await h.engine.listTargets("ref-1")).items;
    expect(before.every((t) => t.currentDay === 1 && t.failedAttempts === 0 && t.nextMessageDue!.getTime() === h.clock.now().getTime() + recheck)).toBe(true);
    // Re-enabled: what the hold deferred is due again at once.
    await h.engine.updateConfig("ref-1", { enabled: true });
    expect((await h.dispatch()).sent).toBe(2);
  });

  it("checks the config's version during a paced run, reading it again only when it changed", async () => {
    const h = await harnessWith(6, { messageDelayMs: 3000, messageJitterMs: 0 });
    const configs = h.storage.configs;
    const calls = { get: 0, unchanged: 0, changed: 0 };
    const get = configs.get.bind(configs);
    const getIfChanged = configs.getIfChanged.bind(configs);
    configs.get = async (...args) => (calls.get++, get(...args));
    configs.getIfChanged = async (...args) => {
      const answer = await getIfChanged(...args);
      if (answer === "unchanged") calls.unchanged++;
      else calls.changed++;
      return answer;
    };
    let sends = 0;
    const originalSend = h.transport.send.bind(h.transport);
    h.transport.send = async (...args) => {
      const result = await originalSend(...args);
      // A change that does not stop the run: read once, then unchanged again.
      if (++sends === 3) await h.engine.updateConfig("ref-1", { sendWindow: { start: "00:00", end: "23:59" } });
      return result;
    };
    const reads = calls.get;
    expect((await h.dispatch()).sent).toBe(6);
    // 6 sends 3 s apart: checked every 5 s or so; never a plain re-read, the whole config only
    // when its version moved.
    expect(calls.get - reads).toBe(0);
    expect(calls.changed).toBe(1);
    expect(calls.unchanged).toBeGreaterThanOrEqual(1);
  });

  it("applies a pause within configRefreshMs (5 s), even in the middle of a run", async () => {
    const h = await harnessWith(6, { messageDelayMs: 3000, messageJitterMs: 0 });
    const originalSend = h.transport.send.bind(h.transport);
    let sends = 0;
    h.transport.send = async (...args) => {
      const result = await originalSend(...args);
      if (++sends === 2) await h.engine.updateConfig("ref-1", { sendingPaused: true });
      return result;
    };
    const result = await h.dispatch();
    // Paused right after the 2nd send (t+3 s): the 3rd was already under way, nothing after t+5 s.
    expect(result.sent).toBe(3);
    expect(result.held).toBe(3);
    const outbox = h.transport.outbox();
    expect(outbox.at(-1)!.sentAt.getTime() - outbox[1]!.sentAt.getTime()).toBeLessThanOrEqual(5000);
  });
});
