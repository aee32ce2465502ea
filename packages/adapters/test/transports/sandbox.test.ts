import { describe, expect, it } from "vitest";
import { ManualClock, SandboxTransport } from "../../src/index.js";
import { runTransportContract, type ObservedSend } from "../../src/testing/index.js";

runTransportContract("sandbox", {
  skip: {
    secondInstance: "the sandbox keeps its links in this process's memory: no second process shares them (its backlog on ensureReady is shown below)",
    replaced: "the sandbox has no other connection that could replace a session",
    mediaDownload: "the sandbox fetches no media",
    lid: "the sandbox addresses every contact by number: there are no LIDs",
  },
  async create() {
    const transport = new SandboxTransport({ clock: new ManualClock() });
    let failure: string | null = null;
    const original = transport.send.bind(transport);
    transport.send = async (...args) => {
      if (failure) {
        const message = failure;
        failure = null;
        throw new Error(message);
      }
      return original(...args);
    };
    return {
      transport,
      completeLink: async (referrerUserId, phone) => void transport.link(referrerUserId, phone),
      dropConnection: async (referrerUserId, options) => void transport.drop(referrerUserId, options),
      setOnWhatsApp: (phone, onWhatsApp) => transport.setOnWhatsApp(phone, onWhatsApp),
      deliverInbound: async (referrerUserId, from, text) => void transport.inbound(from, transport.getState(referrerUserId).phone!, text),
      deliverReceipt: async (_referrerUserId, messageId, status) => void transport.receipt(messageId, status),
      observedSends: (referrerUserId) =>
        transport.outbox(referrerUserId).flatMap((item): ObservedSend[] => [
          { to: item.to, kind: "text", text: item.text },
          ...item.media.map((m): ObservedSend => ({ to: item.to, kind: m.type, url: m.url, ...(m.caption ? { caption: m.caption } : {}) })),
        ]),
      failNextSend: (message) => void (failure = message),
      failFirstMediaOfNextSend: (message) => transport.failFirstMediaOfNextSend(message),
      close: () => transport.close(),
    };
  },
});

describe("sandbox extras", () => {
  it("records the outbox with day, target and idempotency key, oldest first", async () => {
    const clock = new ManualClock("2026-01-05T10:00:00Z");
    const transport = new SandboxTransport({ clock, renderQr: false });
    transport.link("r", "+33600000001");
    await transport.send("r", { to: "+33611111111", text: "a", media: [], language: "fr" }, { idempotencyKey: "t:1", targetId: "t", day: 1 });
    clock.advance(1000);
    await transport.send("r", { to: "+33611111111", text: "b", media: [], language: "fr" }, { idempotencyKey: "t:2", targetId: "t", day: 2 });
    expect(transport.outbox("r").map((m) => [m.day, m.text, m.targetId, m.idempotencyKey, m.sentAt.toISOString()])).toEqual([
      [1, "a", "t", "t:1", "2026-01-05T10:00:00.000Z"],
      [2, "b", "t", "t:2", "2026-01-05T10:00:01.000Z"],
    ]);
    expect(transport.outbox("someone-else")).toEqual([]);
  });

  it("routes inbound replies to the referrer owning the receiving number only", async () => {
    const transport = new SandboxTransport({ clock: new ManualClock(), renderQr: false });
    transport.link("r", "+33600000001");
    expect(transport.inbound("+33611111111", "+33600000009", "STOP")).toBe(false);
    expect(transport.inbound("+33611111111", "+33600000001", "STOP")).toBe(true);
  });
});

describe("sandbox: what a live account meets", () => {
  const message = { to: "+33611111111" as const, text: "Bonjour", media: [], language: "fr" as const };
  const context = { idempotencyKey: "t:1", targetId: "t", day: 1 };

  it("a restriction refuses sends and checks with SenderRestrictedError until its end, reported in the state when asked", async () => {
    const clock = new ManualClock("2026-01-05T10:00:00Z");
    const transport = new SandboxTransport({ clock, renderQr: false });
    const events: unknown[] = [];
    transport.subscribe((e) => events.push(e));
    transport.link("ref-1", "+33600000001");
    const until = new Date("2026-01-05T12:00:00Z");
    transport.restrict("ref-1", { reason: "reach-out time lock", until });
    expect(transport.getState("ref-1").restriction).toEqual({ reason: "reach-out time lock", until });
    expect(events.at(-1)).toMatchObject({ type: "link", state: { status: "connected", restriction: { reason: "reach-out time lock" } } });
    await expect(transport.send("ref-1", message, context)).rejects.toMatchObject({ name: "SenderRestrictedError", code: "sender_restricted", until });
    await expect(transport.isOnWhatsApp("ref-1", "+33611111111")).rejects.toMatchObject({ code: "sender_restricted" });
    clock.set(until);
    expect(transport.getState("ref-1").restriction).toBeUndefined();
    await expect(transport.send("ref-1", message, context)).resolves.toMatchObject({ messageId: expect.any(String) });

    transport.restrict("ref-1", { reason: "463", until: null }, { inState: false });
    expect(transport.getState("ref-1").restriction).toBeUndefined();
    await expect(transport.send("ref-1", message, context)).rejects.toMatchObject({ code: "sender_restricted", until: null });
    transport.liftRestriction("ref-1");
    // The second message that left (the first left once the time lock ended).
    await expect(transport.send("ref-1", message, context)).resolves.toEqual({ messageId: "SANDBOX00000002", mediaMessageIds: [] });
  });

  it("messages received while offline come with the next ensureReady; a reply while composing comes with the presence", async () => {
    const clock = new ManualClock("2026-01-05T10:00:00Z");
    const transport = new SandboxTransport({ clock, renderQr: false });
    const inbound: Array<{ from: string; text: string }> = [];
    transport.subscribe((e) => e.type === "inbound" && inbound.push({ from: e.from, text: e.text }));
    transport.link("ref-1", "+33600000001");
    expect(transport.inboundWhileOffline("+33611111111", "+33600000001", "STOP")).toBe(true);
    expect(inbound).toEqual([]);
    await transport.ensureReady("ref-1");
    expect(inbound).toEqual([{ from: "+33611111111", text: "STOP" }]);
    await transport.ensureReady("ref-1");
    expect(inbound).toHaveLength(1);

    transport.replyWhileComposing("ref-1", "+33611111112", "Qui est-ce ?");
    await transport.sendPresence("ref-1", "composing", "+33611111111");
    expect(inbound).toHaveLength(1);
    await transport.sendPresence("ref-1", "composing", "+33611111112");
    expect(inbound.at(-1)).toEqual({ from: "+33611111112", text: "Qui est-ce ?" });
  });
});
