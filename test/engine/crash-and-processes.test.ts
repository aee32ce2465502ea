import { describe, expect, it } from "vitest";
import { DAY, HOUR, createHarness } from "../support/engine-harness.js";

describe("at most once per target and day", () => {
  it("never sends a day twice with several processes dispatching at once, all week", async () => {
    const h = await createHarness();
    await h.seedMessages(7);
    for (let r = 0; r < 4; r++) {
      await h.addReferrer(`ref-${r}`, `+3360000000${r}`);
      for (let i = 0; i < 5; i++) await h.addReferral(`ref-${r}`, `u-${r}-${i}`, `+336${r}${String(i).padStart(7, "0")}`);
    }
    const processes = [h.engine, h.spawnProcess(), h.spawnProcess()];
    await Promise.all(processes.map((p) => p.runEnrollment()));
    for (let day = 1; day <= 8; day++) {
      await Promise.all(processes.flatMap((p) => [p.runDispatch(), p.runDispatch()]));
      h.clock.advance(DAY);
    }
    const keys = h.transport.outbox().map((m) => m.idempotencyKey);
    expect(keys).toHaveLength(4 * 5 * 7);
    expect(new Set(keys).size).toBe(keys.length);
    expect((await h.engine.globalStats()).completed).toBe(20);
  });

  it("does not resend a day whose process died inside the transport call", async () => {
    const h = await createHarness({ messageDelayMs: 0, messageJitterMs: 0, typingMs: 0, claimTtlMs: 10 * 60_000 });
    await h.seedMessages(7);
    await h.addReferrer("ref-1", "+33600000001");
    await h.addReferral("ref-1", "user-1", "+33611111111");
    await h.engine.runEnrollment();

    // The process "dies" in the middle of the send: the message left, the result was never recorded.
    const originalSend = h.transport.send.bind(h.transport);
    h.transport.send = async (...args) => {
      await originalSend(...args);
      return new Promise(() => {});
    };
    void h.engine.runDispatch();
    await new Promise((resolve) => setTimeout(resolve, 20));
    h.transport.send = originalSend;
    expect(h.transport.outbox()).toHaveLength(1);

    // A restarted process (new instance id, same storage) takes over once the claim expired.
    const restarted = h.spawnProcess();
    h.clock.advance(5 * 60_000);
    expect((await h.dispatch(restarted)).sent).toBe(0);
    h.clock.advance(6 * 60_000);
    await h.dispatch(restarted);
    expect(h.transport.outbox()).toHaveLength(1);
    const [target] = (await restarted.listTargets("ref-1")).items;
    expect(target).toMatchObject({ currentDay: 2, claim: null });
    expect(target!.messagesDelivered[0]).toMatchObject({ day: 1, status: "failed" });
    expect(target!.messagesDelivered[0]!.errorMessage).toMatch(/interrupted/);

    h.clock.advance(DAY);
    await h.dispatch(restarted);
    expect(h.transport.outbox().map((m) => m.day)).toEqual([1, 2]);
  });

  it("takes over a target claimed by a process that died before sending", async () => {
    const h = await createHarness();
    await h.seedMessages(7);
    await h.addReferrer("ref-1", "+33600000001");
    await h.addReferral("ref-1", "user-1", "+33611111111");
    await h.engine.runEnrollment();
    const [t] = (await h.engine.listTargets("ref-1")).items;
    const now = h.clock.now();
    await h.storage.targets.updateIf(t!.id, {}, { claim: { owner: "dead-process/run", day: 1, stage: "claimed", at: now, expiresAt: new Date(now.getTime() + 60_000) }, updatedAt: now });
    expect((await h.dispatch()).sent).toBe(0);
    h.clock.advance(HOUR);
    expect((await h.dispatch()).sent).toBe(1);
  });

  it("renews a sender's lease once past half its TTL, not after every send", async () => {
    const h = await createHarness();
    await h.seedMessages(7);
    await h.addReferrer("ref-1", "+33600000001");
    for (let i = 0; i < 4; i++) await h.addReferral("ref-1", `user-${i}`, `+3361111111${i}`);
    await h.engine.runEnrollment();
    const acquired: Date[] = [];
    const acquire = h.storage.leases.acquire.bind(h.storage.leases);
    h.storage.leases.acquire = (key, owner, now, ttlMs) => (acquired.push(now), acquire(key, owner, now, ttlMs));
    // Each send takes a third of the TTL (10 min by default): renewed after the 2nd and the 4th.
    const send = h.transport.send.bind(h.transport);
    h.transport.send = async (...args) => {
      h.clock.advance(200_000);
      return send(...args);
    };
    expect((await h.dispatch()).sent).toBe(4);
    expect(acquired).toHaveLength(3);
  });

  it("leaves a sender to the process holding its lease", async () => {
    const h = await createHarness();
    await h.seedMessages(7);
    await h.addReferrer("ref-1", "+33600000001");
    await h.addReferral("ref-1", "user-1", "+33611111111");
    await h.engine.runEnrollment();
    await h.storage.leases.acquire("sender:ref-1", "other-process", h.clock.now(), 60_000);
    expect((await h.dispatch()).sent).toBe(0);
    h.clock.advance(60_000);
    expect((await h.dispatch()).sent).toBe(1);
  });
});
