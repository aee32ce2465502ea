import { describe, expect, it } from "vitest";
import { DAY, createHarness } from "../support/engine-harness.js";

async function enrolledHarness(options = {}) {
  const h = await createHarness({ messageDelayMs: 0, messageJitterMs: 0, typingMs: 0, ...options });
  await h.seedMessages(7);
  await h.addReferrer("ref-1", "+33600000001");
  await h.addReferral("ref-1", "user-1", "+33611111111");
  await h.engine.runEnrollment();
  return h;
}

describe("exitUser", () => {
  it("exits every active target of the referral with reason paid, and is idempotent", async () => {
    const h = await enrolledHarness();
    await h.addReferrer("ref-2", "+33600000002");
    await h.addReferral("ref-2", "user-1", "+33611111111");
    await h.engine.runEnrollment();
    await h.dispatch();

    expect(await h.engine.exitUser("user-1")).toEqual({ exited: 2 });
    expect(await h.engine.exitUser("user-1")).toEqual({ exited: 0 });
    for (const ref of ["ref-1", "ref-2"]) {
      const [target] = (await h.engine.listTargets(ref)).items;
      expect(target).toMatchObject({ status: "exited", exitReason: "paid", nextMessageDue: null, exitedLoopAt: h.clock.now() });
    }
    h.clock.advance(DAY);
    expect((await h.dispatch()).sent).toBe(0);
    expect(h.transport.outbox()).toHaveLength(2);
  });

  it("stops a send when the exit lands between the claim and the send", async () => {
    const h = await enrolledHarness({ typingMs: 1000 });
    const originalPresence = h.transport.sendPresence.bind(h.transport);
    h.transport.sendPresence = async (referrerUserId, state, to) => {
      await originalPresence(referrerUserId, state, to);
      if (state !== "composing") return;
      // The platform reports the payment while the target is claimed and "typing…" shows.
      await h.engine.exitUser("user-1");
    };
    const result = await h.dispatch();

    expect(h.transport.typing).toHaveLength(1);
    expect(h.transport.outbox()).toHaveLength(0);
    expect(result.sent).toBe(0);
    const [target] = (await h.engine.listTargets("ref-1")).items;
    expect(target).toMatchObject({ status: "exited", exitReason: "paid", messagesDelivered: [] });
    // The reserved daily slot was given back.
    expect((await h.engine.status("ref-1")).messagesSentToday).toBe(0);
  });

  it("does not return while a send to that person is still inside the transport", async () => {
    const h = await enrolledHarness();
    const events: string[] = [];
    let exitCall: Promise<unknown> | undefined;
    const originalSend = h.transport.send.bind(h.transport);
    h.transport.send = async (...args) => {
      events.push("send started");
      exitCall = h.engine.exitUser("user-1").then(() => events.push("exit returned"));
      await new Promise((resolve) => setTimeout(resolve, 20));
      const sent = await originalSend(...args);
      events.push("send finished");
      return sent;
    };
    await h.dispatch();
    await exitCall;
    expect(events).toEqual(["send started", "send finished", "exit returned"]);
    const [target] = (await h.engine.listTargets("ref-1")).items;
    // The message that was already leaving is kept in the history; the loop is over.
    expect(target).toMatchObject({ status: "exited", exitReason: "paid" });
    expect(target!.messagesDelivered).toHaveLength(1);
    h.clock.advance(DAY);
    await h.dispatch();
    expect(h.transport.outbox()).toHaveLength(1);
  });
});

describe("STOP replies", () => {
  const optOuts = ["STOP", "  stop ", "Stop.", "ARRÊT", "arret", "Arrêt !", "STOP ALL", "stop   all", "Unsubscribe", "DESABONNER", "désabonner"];

  it.each(optOuts)("%j exits the target with opted_out", async (text) => {
    const h = await enrolledHarness();
    await h.dispatch();
    expect(h.transport.inbound("+33611111111", "+33600000001", text)).toBe(true);
    await h.engine.idle();
    const [target] = (await h.engine.listTargets("ref-1")).items;
    expect(target).toMatchObject({ status: "exited", exitReason: "opted_out" });
  });

  it.each(["stop please", "Bonjour", "STOPPER", "je veux arrêter"])("%j is an ordinary reply, not an opt-out", async (text) => {
    const h = await enrolledHarness();
    h.transport.inbound("+33611111111", "+33600000001", text);
    await h.engine.idle();
    // A person talking ends the sequence (onReply: stop), but the number stays contactable.
    expect((await h.engine.listTargets("ref-1")).items[0]).toMatchObject({ status: "exited", exitReason: "replied" });
    expect(await h.storage.doNotContact.has("+33611111111")).toBe(false);
  });

  it("puts the number on the do-not-contact list: no re-enrollment, even by another referrer", async () => {
    const h = await enrolledHarness();
    await h.dispatch();
    h.transport.inbound("+33611111111", "+33600000001", "STOP");
    await h.engine.idle();
    expect(await h.storage.doNotContact.has("+33611111111")).toBe(true);

    await h.addReferrer("ref-2", "+33600000002");
    await h.addReferral("ref-2", "user-1", "+33611111111");
    await h.addReferral("ref-2", "user-9", "+33699999999");
    expect(await h.engine.runEnrollment()).toMatchObject({ enrolled: 1 });
    expect((await h.engine.listTargets("ref-2")).items.map((t) => t.referralUserId)).toEqual(["user-9"]);
    h.clock.advance(DAY);
    await h.dispatch();
    expect(h.transport.outbox().filter((m) => m.to === "+33611111111")).toHaveLength(1);
  });

  it("stops active loops of other referrers to an opted-out number before their next send", async () => {
    const h = await enrolledHarness();
    await h.addReferrer("ref-2", "+33600000002");
    await h.addReferral("ref-2", "user-1", "+33611111111");
    await h.engine.runEnrollment();
    await h.dispatch();
    h.transport.inbound("+33611111111", "+33600000001", "STOP");
    await h.engine.idle();
    h.clock.advance(DAY);
    await h.dispatch();
    expect(h.transport.outbox().filter((m) => m.to === "+33611111111")).toHaveLength(2);
    const [other] = (await h.engine.listTargets("ref-2")).items;
    expect(other).toMatchObject({ status: "exited", exitReason: "opted_out" });
  });
});

describe("an exit before enrollment", () => {
  it("is remembered: a referral who paid before being enrolled is never enrolled nor messaged", async () => {
    const h = await createHarness();
    await h.seedMessages(7);
    await h.addReferrer("ref-1", "+33600000001");
    await h.addReferral("ref-1", "early-payer", "+33611111111", { ageMs: 10 * 60_000 });
    expect(await h.engine.exitUser("early-payer")).toEqual({ exited: 0 });
    h.clock.advance(2 * 3_600_000);
    expect(await h.engine.runEnrollment()).toMatchObject({ enrolled: 0 });
    expect((await h.dispatch()).sent).toBe(0);
  });

  it("stops a target inserted by an enrollment that raced with the exit", async () => {
    const h = await createHarness();
    await h.seedMessages(7);
    await h.addReferrer("ref-1", "+33600000001");
    await h.addReferral("ref-1", "racer", "+33611111111");
    // Enrollment read the directory before the exit was recorded and inserts after it returned.
    const insert = h.storage.targets.insertIfAbsent.bind(h.storage.targets);
    h.storage.targets.insertIfAbsent = async (target) => {
      await h.engine.exitUser("racer");
      return insert(target);
    };
    expect((await h.engine.runEnrollment()).enrolled).toBe(1);
    expect(await h.dispatch()).toMatchObject({ sent: 0, exited: 1 });
    expect((await h.engine.listTargets("ref-1")).items[0]).toMatchObject({ status: "exited", exitReason: "paid" });
    expect(h.transport.outbox()).toHaveLength(0);
  });
});
