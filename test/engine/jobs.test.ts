import { describe, expect, it } from "vitest";
import { createHarness } from "../support/engine-harness.js";

describe("scheduled jobs", () => {
  it("schedules enrollment hourly and dispatch every minute, and stops them", async () => {
    const h = await createHarness();
    h.engine.start();
    expect(h.scheduler.patternOf("enrollment")).toBe("0 * * * *");
    expect(h.scheduler.patternOf("dispatch")).toBe("* * * * *");

    await h.seedMessages(7);
    await h.addReferrer("ref-1", "+33600000001");
    await h.addReferral("ref-1", "user-1", "+33611111111");
    expect(await h.scheduler.tick("enrollment")).toEqual({ enrolled: 1, skipped: 0 });
    expect(await h.scheduler.tick("dispatch")).toMatchObject({ sent: 1 });

    await h.engine.stop();
    expect(h.scheduler.has("dispatch")).toBe(false);
  });

  it("skips a tick while the previous run of the same job is still going", async () => {
    const h = await createHarness({ messageDelayMs: 5000, messageJitterMs: 0, typingMs: 0 });
    h.engine.start();
    await h.seedMessages(1);
    await h.addReferrer("ref-1", "+33600000001");
    for (let i = 0; i < 3; i++) await h.addReferral("ref-1", `u${i}`, `+3361111111${i}`);
    await h.engine.runEnrollment();

    const first = h.scheduler.tick("dispatch");
    const second = await h.scheduler.tick("dispatch");
    expect(second).toBeNull();
    expect(await first).toMatchObject({ sent: 3 });
    expect(await h.scheduler.tick("dispatch")).toMatchObject({ sent: 0 });
  });

  it("a dispatch tick while a run paces its senders starts another run: the busy sender is skipped (its lease kept), a sender due meanwhile starts now", async () => {
    const h = await createHarness({ messageDelayMs: 60_000, messageJitterMs: 0, typingMs: 0 });
    h.engine.start();
    await h.seedMessages(1);
    await h.addReferrer("slow", "+33600000001");
    await h.addReferrer("late", "+33600000002");
    for (let i = 0; i < 5; i++) await h.addReferral("slow", `s${i}`, `+3361111111${i}`);
    await h.engine.runEnrollment();

    const first = h.scheduler.tick("dispatch");
    // The first run paces "slow" (a minute between sends): wait until it sent two.
    while (h.transport.outbox("slow").length < 2) await h.clock.sleep(1_000);
    await h.addReferral("late", "l0", "+33622222220");
    await h.engine.runEnrollment();
    const second = await h.scheduler.tick("dispatch");
    // "late" went at once; "slow" stayed with the first run, still driving it under its lease.
    expect(second).toMatchObject({ sent: 1, failed: 0 });
    expect(h.transport.outbox("late")).toHaveLength(1);
    expect(h.transport.outbox("slow").length).toBeLessThan(5);
    expect((await h.storage.leases.get("sender:slow"))?.owner).toBe("process-a");
    expect(await first).toMatchObject({ sent: 5 });
    // Each day left once, a minute apart.
    const slow = h.transport.outbox("slow");
    expect(new Set(slow.map((item) => item.targetId)).size).toBe(5);
    for (let i = 1; i < slow.length; i++) expect(slow[i]!.sentAt.getTime() - slow[i - 1]!.sentAt.getTime()).toBeGreaterThanOrEqual(60_000);
    await h.engine.stop();
  });

  it("stop() waits for a run in flight", async () => {
    const h = await createHarness({ messageDelayMs: 5000, messageJitterMs: 0, typingMs: 0 });
    h.engine.start();
    await h.seedMessages(1);
    await h.addReferrer("ref-1", "+33600000001");
    for (let i = 0; i < 2; i++) await h.addReferral("ref-1", `u${i}`, `+3361111111${i}`);
    await h.engine.runEnrollment();
    void h.scheduler.tick("dispatch");
    await h.engine.stop();
    expect(h.transport.outbox()).toHaveLength(2);
  });
});
