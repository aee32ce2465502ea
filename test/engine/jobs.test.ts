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
