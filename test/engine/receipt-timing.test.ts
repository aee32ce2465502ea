import { describe, expect, it } from "vitest";
import type { OutgoingMessage, SendContext } from "@relance/core";
import { createHarness } from "../support/engine-harness.js";

/**
 * Receipts that do not come when the engine expects them (`../shared/whatsapp-real-phone-gaps-2.md`,
 * X2 and X4), on the sandbox transport: a receipt that beats the delivery's record, and an error
 * receipt right after a send (the server refused the message).
 */
async function oneTarget() {
  const h = await createHarness();
  await h.seedMessages(7);
  await h.addReferrer("ref-1", "+33600000001");
  await h.addReferral("ref-1", "user-1", "+33611111111");
  await h.engine.runEnrollment();
  return h;
}

describe("X2: a receipt that arrives before its delivery is recorded", () => {
  it("is kept and applied once the delivery is recorded", async () => {
    const h = await oneTarget();
    const send = h.transport.send.bind(h.transport);
    // WhatsApp's read receipt for a text commonly comes while the sender still uploads its media
    // or writes its own stores: before `transport.send` resolves, so before the record.
    h.transport.send = async (referrerUserId: string, message: OutgoingMessage, context: SendContext) => {
      const sent = await send(referrerUserId, message, context);
      expect(await h.engine.handleReceipt({ messageId: sent.messageId, status: "read", at: h.clock.now() })).toBe(false);
      return sent;
    };
    await h.dispatch();
    await h.engine.idle();
    const [delivery] = (await h.engine.listTargets("ref-1")).items[0]!.messagesDelivered;
    expect(delivery).toMatchObject({ status: "read", readAt: h.clock.now(), deliveredAt: h.clock.now() });
  });

});

describe("X4: a message the server refuses right after the send", () => {
  it("is sent again once, with the same idempotency key, and is not counted as sent", async () => {
    const h = await oneTarget();
    await h.dispatch();
    const [first] = h.transport.outbox();
    h.clock.advance(30_000);
    h.transport.receipt(first!.messageId, "failed");
    await h.engine.idle();
    let target = (await h.engine.listTargets("ref-1")).items[0]!;
    expect(target).toMatchObject({ status: "active", currentDay: 1, lastSentDay: null });
    expect(target.messagesDelivered[0]).toMatchObject({ day: 1, status: "failed" });
    expect((await h.engine.stats("ref-1")).messages).toMatchObject({ sent: 0, failed: 1 });

    await h.dispatch();
    const sends = h.transport.outbox();
    expect(sends).toHaveLength(2);
    expect(sends[1]).toMatchObject({ day: 1, idempotencyKey: first!.idempotencyKey });
    target = (await h.engine.listTargets("ref-1")).items[0]!;
    expect(target).toMatchObject({ currentDay: 2, lastSentDay: 1 });

    // Refused again: once is enough, the loop goes on (the delivery stays failed).
    h.clock.advance(30_000);
    h.transport.receipt(sends[1]!.messageId, "failed");
    await h.engine.idle();
    target = (await h.engine.listTargets("ref-1")).items[0]!;
    expect(target).toMatchObject({ currentDay: 2, lastSentDay: 1 });
    expect(target.messagesDelivered.map((d) => d.status)).toEqual(["failed", "failed"]);
  });

  it("a failure reported long after the send only marks the delivery failed", async () => {
    const h = await oneTarget();
    await h.dispatch();
    const [first] = h.transport.outbox();
    h.clock.advance(6 * 3600_000);
    h.transport.receipt(first!.messageId, "failed");
    await h.engine.idle();
    const target = (await h.engine.listTargets("ref-1")).items[0]!;
    expect(target).toMatchObject({ currentDay: 2, lastSentDay: 1 });
    expect(target.messagesDelivered[0]).toMatchObject({ status: "failed" });
  });
});
