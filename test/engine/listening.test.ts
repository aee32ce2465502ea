import { describe, expect, it } from "vitest";
import { SessionCapacityError, resolveOptions, type EnsureReadyOptions } from "@relance/core";
import { DAY, FAST, HOUR, createHarness } from "../support/engine-harness.js";

async function twoReferrers(options: object = {}) {
  const h = await createHarness({ ...FAST, ...options });
  await h.seedMessages(7);
  await h.addReferrer("ref-1", "+33600000001");
  await h.addReferrer("ref-2", "+33600000002");
  await h.addReferral("ref-1", "user-1", "+33611111101");
  await h.addReferral("ref-2", "user-2", "+33611111102");
  await h.engine.runEnrollment();
  return h;
}

describe("listen job", () => {
  it("reads a STOP that arrived while nothing was due, before the next day's message", async () => {
    const h = await twoReferrers();
    await h.dispatch();
    h.clock.advance(3 * HOUR);
    // Nothing is due for 21 hours; the reply waits in the phone's offline backlog.
    h.transport.inboundWhileOffline("+33611111101", "+33600000001", "STOP");
    expect(await h.engine.runListen()).toEqual({ ready: 2, skipped: 0, failed: 0 });
    await h.engine.idle();
    const target = (await h.engine.listTargets("ref-1")).items[0]!;
    expect(target).toMatchObject({ status: "exited", exitReason: "opted_out" });

    h.clock.advance(DAY);
    await h.dispatch();
    expect(h.transport.outbox("ref-1")).toHaveLength(1);
    expect(h.transport.outbox("ref-2")).toHaveLength(2);
  });

  it("listens for held referrers too, but never reopens a session the referrer closed", async () => {
    const h = await twoReferrers();
    await h.engine.updateConfig("ref-1", { sendingPaused: true });
    await h.engine.disconnect("ref-2");
    await h.engine.idle();
    h.transport.inboundWhileOffline("+33611111101", "+33600000001", "STOP");
    h.transport.inboundWhileOffline("+33611111102", "+33600000002", "STOP");
    expect(await h.engine.runListen()).toEqual({ ready: 1, skipped: 1, failed: 0 });
    await h.engine.idle();
    expect((await h.engine.listTargets("ref-1")).items[0]).toMatchObject({ status: "exited", exitReason: "opted_out" });
    expect((await h.engine.listTargets("ref-2")).items[0]).toMatchObject({ status: "active" });
    expect(h.transport.getState("ref-2").status).toBe("disconnected");
  });

  it("brings sessions up no more at once than the sender limit and the transport's session cap", async () => {
    const h = await twoReferrers({ maxConcurrentSenders: 5 });
    await h.addReferrer("ref-3", "+33600000003");
    await h.addReferral("ref-3", "user-3", "+33611111103");
    await h.engine.runEnrollment();
    h.transport.capabilities.maxSessions = 2;
    let open = 0;
    let peak = 0;
    const ensureReady = h.transport.ensureReady.bind(h.transport);
    h.transport.ensureReady = async (referrerUserId) => {
      peak = Math.max(peak, ++open);
      await h.clock.sleep(5_000); // a session restoring
      open--;
      return ensureReady(referrerUserId);
    };
    expect(await h.engine.runListen()).toEqual({ ready: 3, skipped: 0, failed: 0 });
    expect(peak).toBe(2);
  });

  it("W6: a session the transport has no budget for is left for a later run (skipped, not failed), and runs take turns", async () => {
    const h = await twoReferrers();
    await h.addReferrer("ref-3", "+33600000003");
    await h.addReferral("ref-3", "user-3", "+33611111103");
    await h.engine.runEnrollment();
    // One session at a time, and room to bring up only one per run (whatsapp-web.js' listening budget).
    h.transport.capabilities.maxSessions = 1;
    const ensureReady = h.transport.ensureReady.bind(h.transport);
    const purposes = new Set<string | undefined>();
    let broughtUp: string[] = [];
    h.transport.ensureReady = async (referrerUserId: string, options?: EnsureReadyOptions) => {
      purposes.add(options?.purpose);
      if (broughtUp.length > 0) throw new SessionCapacityError(`no budget for ${referrerUserId} in this run`);
      broughtUp.push(referrerUserId);
      return ensureReady(referrerUserId);
    };
    const read = new Set<string>();
    for (let run = 0; run < 3; run++) {
      broughtUp = [];
      expect(await h.engine.runListen()).toEqual({ ready: 1, skipped: 2, failed: 0 });
      read.add(broughtUp[0]!);
    }
    expect([...read].sort()).toEqual(["ref-1", "ref-2", "ref-3"]);
    expect([...purposes]).toEqual(["listen"]);
  });

  it("is scheduled with listenCron", async () => {
    const h = await twoReferrers({ listenCron: "*/5 * * * *" });
    h.engine.start();
    expect(h.scheduler.patternOf("listen")).toBe("*/5 * * * *");
    expect(await h.scheduler.tick("listen")).toEqual({ ready: 2, skipped: 0, failed: 0 });
    await h.engine.stop();
    expect(h.scheduler.has("listen")).toBe(false);
  });

  it("still reads the option's old name, inboxCron, when listenCron is not given", async () => {
    expect(resolveOptions({ inboxCron: "*/7 * * * *" }, "i").listenCron).toBe("*/7 * * * *");
    expect(resolveOptions({ inboxCron: "*/7 * * * *", listenCron: "*/5 * * * *" }, "i").listenCron).toBe("*/5 * * * *");
    expect(resolveOptions({ inboxCron: "*/7 * * * *" }, "i")).not.toHaveProperty("inboxCron");
  });
});

describe("transport session cap", () => {
  it("dispatch never runs more senders at once than transport.capabilities.maxSessions", async () => {
    const h = await createHarness({ messageDelayMs: 3000, messageJitterMs: 0, typingMs: 0, maxConcurrentSenders: 50 });
    h.transport.capabilities.maxSessions = 2;
    await h.seedMessages(1);
    for (let s = 0; s < 4; s++) {
      await h.addReferrer(`ref-${s}`, `+3360000000${s}`);
      for (let i = 0; i < 3; i++) await h.addReferral(`ref-${s}`, `u-${s}-${i}`, `+336${s}${String(i).padStart(7, "0")}`);
    }
    await h.engine.runEnrollment();
    await h.dispatch();
    const intervals = [0, 1, 2, 3].map((s) => {
      const items = h.transport.outbox(`ref-${s}`);
      expect(items).toHaveLength(3);
      return [items[0]!.sentAt.getTime(), items.at(-1)!.sentAt.getTime()] as const;
    });
    // Half-open: a sender starting when another ends took its place.
    const peak = Math.max(...intervals.map(([start]) => intervals.filter(([s, e]) => s <= start && start < e).length));
    expect(peak).toBe(2);
  });
});
