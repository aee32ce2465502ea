import { describe, expect, it } from "vitest";
import { ManualClock, SandboxTransport } from "../../src/index.js";
import { runTransportContract, type ObservedSend } from "../../src/testing/index.js";

runTransportContract("sandbox", {
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
