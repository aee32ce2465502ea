import { describe, expect, it } from "vitest";
import { createMemoryStorage } from "@relance/adapters";
import { createRelanceEngine, type Logger, type ReferralRepliedNotification } from "@relance/core";
import type { StorageBackend } from "@relance/adapters";
import { DAY, FAST, enrolledHarness } from "../support/engine-harness.js";

const enrolled = enrolledHarness;

/** Storage whose target writes take a turn of the event loop, as a real database does. */
function slowWritesStorage(): StorageBackend {
  const storage = createMemoryStorage();
  const updateIf = storage.targets.updateIf.bind(storage.targets);
  storage.targets.updateIf = async (...args) => {
    await new Promise((resolve) => setImmediate(resolve));
    return updateIf(...args);
  };
  return storage;
}

const replies = (h: { notifier: { sent: Array<{ type: string }> } }) =>
  h.notifier.sent.filter((n): n is ReferralRepliedNotification => n.type === "referral_replied");

describe("a reply stops the sequence (onReply: stop, the default)", () => {
  it("exits the target replied, notifies the referrer once with the text, and sends nothing more", async () => {
    const h = await enrolled(2);
    await h.dispatch();
    expect((await h.engine.status("ref-1")).onReply).toBe("stop");

    h.transport.inbound("+33611111100", "+33600000001", "ok je paie demain");
    await h.engine.idle();
    const target = (await h.engine.listTargets("ref-1")).items.find((t) => t.referralUserId === "user-0")!;
    expect(target).toMatchObject({ status: "exited", exitReason: "replied", currentDay: 2 });
    expect(replies(h)).toEqual([
      {
        type: "referral_replied",
        referrerUserId: "ref-1",
        referralUserId: "user-0",
        targetId: target.id,
        phone: "+33611111100",
        text: "ok je paie demain",
        exited: true,
        at: h.clock.now(),
      },
    ]);
    // Still a contactable number: replying is not opting out.
    expect(await h.storage.doNotContact.has("+33611111100")).toBe(false);

    // A second message of theirs is no news: one notification per referral.
    h.transport.inbound("+33611111100", "+33600000001", "c'est fait");
    await h.engine.idle();
    expect(replies(h)).toHaveLength(1);

    for (let day = 2; day <= 8; day++) {
      h.clock.advance(DAY);
      await h.dispatch();
    }
    expect(h.transport.outbox().filter((m) => m.to === "+33611111100").map((m) => m.day)).toEqual([1]);
    expect(h.transport.outbox().filter((m) => m.to === "+33611111101").map((m) => m.day)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect((await h.engine.stats("ref-1")).exited).toMatchObject({ replied: 1 });
  });

  it("a reply to another referrer's number leaves this referrer's sequence alone", async () => {
    const h = await enrolled(1);
    await h.addReferrer("ref-2", "+33600000002");
    await h.addReferral("ref-2", "user-b", "+33611111100");
    await h.engine.runEnrollment();
    h.transport.inbound("+33611111100", "+33600000002", "Bonjour, qui est-ce ?");
    await h.engine.idle();
    const byReferrer = Object.fromEntries(
      await Promise.all(["ref-1", "ref-2"].map(async (r) => [r, (await h.engine.listTargets(r)).items[0]!.status] as const)),
    );
    expect(byReferrer).toEqual({ "ref-1": "active", "ref-2": "exited" });
    expect(replies(h).map((n) => n.referrerUserId)).toEqual(["ref-2"]);
  });

  it("logs the reply at info without its text", async () => {
    const h = await enrolled(1);
    const lines: string[] = [];
    const capture = (level: string) => (fields: Record<string, unknown>, message: string) => lines.push(JSON.stringify({ level, message, ...fields }));
    const logger: Logger = { debug: capture("debug"), info: capture("info"), warn: capture("warn"), error: capture("error") };
    const engine = createRelanceEngine({ storage: h.storage, directory: h.directory, transport: h.transport, clock: h.clock, notifier: h.notifier, logger, options: FAST });
    expect(await engine.handleInbound({ referrerUserId: "ref-1", from: "+33611111100", text: "mon code secret 1234" })).toMatchObject({ exited: 1, replied: 1 });
    expect(lines.some((line) => line.includes('"level":"info"') && line.includes("reply received"))).toBe(true);
    expect(lines.join("\n")).not.toContain("secret 1234");
    expect(replies(h)[0]!.text).toBe("mon code secret 1234");
  });

  it("two processes handling the same reply notify once", async () => {
    const h = await enrolled(1, {}, slowWritesStorage());
    const other = h.spawnProcess();
    const inbound = { referrerUserId: "ref-1", from: "+33611111100", text: "merci, je regarde" };
    const results = await Promise.all([h.engine.handleInbound(inbound), other.handleInbound(inbound)]);
    expect(results.map((r) => r.exited).sort()).toEqual([0, 1]);
    expect(replies(h)).toHaveLength(1);
  });
});

describe("onReply: continue", () => {
  it("keeps the loop going, and still tells the referrer once", async () => {
    const h = await enrolled(1);
    expect(await h.engine.updateConfig("ref-1", { onReply: "continue" })).toMatchObject({ onReply: "continue" });
    await h.dispatch();
    h.transport.inbound("+33611111100", "+33600000001", "Je verrai");
    h.transport.inbound("+33611111100", "+33600000001", "plus tard");
    await h.engine.idle();
    const [target] = (await h.engine.listTargets("ref-1")).items;
    expect(target).toMatchObject({ status: "active", exitReason: null });
    expect(replies(h)).toMatchObject([{ referralUserId: "user-0", text: "Je verrai", exited: false }]);

    h.clock.advance(DAY);
    await h.dispatch();
    expect(h.transport.outbox().map((m) => m.day)).toEqual([1, 2]);

    // Switching back to stop: the next reply ends it, without a second notification.
    await h.engine.updateConfig("ref-1", { onReply: "stop" });
    h.transport.inbound("+33611111100", "+33600000001", "bon ok");
    await h.engine.idle();
    expect((await h.engine.listTargets("ref-1")).items[0]).toMatchObject({ status: "exited", exitReason: "replied" });
    expect(replies(h)).toHaveLength(1);
  });

  it("refuses an unknown onReply value", async () => {
    const h = await enrolled(0);
    await expect(h.engine.updateConfig("ref-1", { onReply: "pause" as never })).rejects.toMatchObject({ code: "invalid_request" });
  });
});

/** Storage whose opt-out writes take a turn of the event loop, as a real database does. */
function slowOptOutStorage(): StorageBackend {
  const storage = createMemoryStorage();
  const add = storage.doNotContact.add.bind(storage.doNotContact);
  storage.doNotContact.add = async (entry) => {
    await new Promise((resolve) => setImmediate(resolve));
    return add(entry);
  };
  return storage;
}

// A reply and a STOP race a send the same way (they were two copies of these tests).
const RACERS = [
  { what: "a reply", backlog: "Oui c'est moi, je paie ce soir", typed: "attendez", exitReason: "replied", storage: slowWritesStorage },
  { what: "a STOP", backlog: "STOP", typed: "stop", exitReason: "opted_out", storage: slowOptOutStorage },
] as const;

describe("replies racing a send are handled before that referral's next send", () => {
  it.each(RACERS)("$what from the offline backlog, surfaced while the session comes up, wins over that day's message", async (racer) => {
    const h = await enrolled(3, {}, racer.storage());
    h.transport.inboundWhileOffline("+33611111101", "+33600000001", racer.backlog);
    expect(await h.dispatch()).toMatchObject({ sent: 2 });
    expect(h.transport.outbox().map((m) => m.to)).toEqual(["+33611111100", "+33611111102"]);
    const stopped = (await h.engine.listTargets("ref-1")).items.find((t) => t.referralUserId === "user-1")!;
    expect(stopped).toMatchObject({ status: "exited", exitReason: racer.exitReason, messagesDelivered: [] });
    expect(replies(h)).toHaveLength(racer.exitReason === "replied" ? 1 : 0);
  });

  it.each(RACERS)("$what arriving while the message is being typed stops it", async (racer) => {
    const h = await enrolled(3, { typingMs: 3000, messageDelayMs: 1000, messageJitterMs: 0 }, racer.storage());
    h.transport.replyWhileComposing("ref-1", "+33611111101", racer.typed);
    await h.dispatch();
    expect(h.transport.outbox().map((m) => m.to)).toEqual(["+33611111100", "+33611111102"]);
    const stopped = (await h.engine.listTargets("ref-1")).items.find((t) => t.referralUserId === "user-1")!;
    expect(stopped).toMatchObject({ status: "exited", exitReason: racer.exitReason, messagesDelivered: [] });
    expect((await h.engine.status("ref-1")).messagesSentToday).toBe(2);
  });

  it("a reply landing while the message is inside the transport keeps that message in the history and ends the loop", async () => {
    const h = await enrolled(1);
    let reply: Promise<unknown> | undefined;
    const originalSend = h.transport.send.bind(h.transport);
    h.transport.send = async (...args) => {
      reply = h.engine.handleInbound({ referrerUserId: "ref-1", from: "+33611111100", text: "je suis en train de payer" });
      await new Promise((resolve) => setTimeout(resolve, 10));
      return originalSend(...args);
    };
    await h.dispatch();
    await reply;
    const [target] = (await h.engine.listTargets("ref-1")).items;
    expect(target).toMatchObject({ status: "exited", exitReason: "replied" });
    expect(target!.messagesDelivered).toHaveLength(1);
    h.transport.send = originalSend;
    h.clock.advance(DAY);
    await h.dispatch();
    expect(h.transport.outbox()).toHaveLength(1);
    expect(replies(h)).toHaveLength(1);
  });
});
