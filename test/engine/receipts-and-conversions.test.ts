import { describe, expect, it } from "vitest";
import { DAY, createHarness } from "../support/engine-harness.js";

describe("receipts", () => {
  it("move deliveries to delivered then read, never backwards", async () => {
    const h = await createHarness();
    await h.seedMessages(7, { mediaUrls: [{ url: "https://cdn.example.com/a.jpg", type: "image", language: "both" }] });
    await h.addReferrer("ref-1", "+33600000001");
    await h.addReferral("ref-1", "user-1", "+33611111111");
    await h.engine.runEnrollment();
    await h.dispatch();
    const [sent] = h.transport.outbox();

    h.transport.receipt(sent!.messageId, "delivered");
    await h.engine.idle();
    let [delivery] = (await h.engine.listTargets("ref-1")).items[0]!.messagesDelivered;
    expect(delivery).toMatchObject({ status: "delivered", deliveredAt: h.clock.now() });

    h.clock.advance(60_000);
    h.transport.receipt(sent!.messageId, "read");
    h.transport.receipt(sent!.messageId, "delivered");
    await h.engine.idle();
    [delivery] = (await h.engine.listTargets("ref-1")).items[0]!.messagesDelivered;
    expect(delivery).toMatchObject({ status: "read", readAt: h.clock.now() });

    const stats = await h.engine.stats("ref-1");
    expect(stats.messages).toEqual({ sent: 1, delivered: 1, read: 1, failed: 0 });
  });

  it("ignores receipts for unknown messages", async () => {
    const h = await createHarness();
    expect(await h.engine.handleReceipt({ messageId: "nope", status: "read", at: h.clock.now() })).toBe(false);
  });
});

describe("conversions", () => {
  it("attributes a payment to the last day delivered before it", async () => {
    const h = await createHarness();
    await h.seedMessages(7);
    await h.addReferrer("ref-1", "+33600000001");
    for (const id of ["pays-day-1", "pays-day-3", "pays-day-3b", "never-pays", "pays-before-any"]) {
      await h.addReferral("ref-1", id, `+336111111${id.length}${id.charCodeAt(id.length - 1) % 10}`);
    }
    await h.engine.runEnrollment();
    await h.engine.exitUser("pays-before-any");
    await h.dispatch();
    await h.engine.exitUser("pays-day-1");
    for (let day = 2; day <= 3; day++) {
      h.clock.advance(DAY);
      await h.dispatch();
    }
    await h.engine.exitUser("pays-day-3");
    await h.engine.exitUser("pays-day-3b");

    const stats = await h.engine.stats("ref-1");
    // Every referral who paid while in the loop converts; one who paid before any message is
    // counted apart, not under a day.
    expect(stats.conversions).toEqual({ total: 4, byDay: { "1": 1, "3": 2 }, byVariant: {}, paidBeforeFirstMessage: 1 });
    expect(stats.exited).toMatchObject({ paid: 4 });
    expect(stats).toMatchObject({ enrolled: 5, active: 1, completed: 0 });
    expect((await h.engine.globalStats()).conversions).toEqual(stats.conversions);
  });

  it("counts a day sent at the same instant as the payment under that day, even when the exit raced the send", async () => {
    const h = await createHarness();
    await h.seedMessages(7);
    await h.addReferrer("ref-1", "+33600000001");
    await h.addReferral("ref-1", "pays-while-day-2-leaves", "+33611111111");
    await h.addReferral("ref-1", "pays-right-after-day-1", "+33622222222");
    await h.engine.runEnrollment();
    await h.dispatch();
    await h.engine.exitUser("pays-right-after-day-1");
    h.clock.advance(DAY);

    // The payment arrives while day 2's message is inside the transport, at the same instant.
    const send = h.transport.send.bind(h.transport);
    let exiting: Promise<unknown> | null = null;
    h.transport.send = async (...args: Parameters<typeof send>) => {
      exiting = h.engine.exitUser("pays-while-day-2-leaves");
      for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
      return send(...args);
    };
    await h.dispatch();
    await exiting;

    const target = (await h.engine.listTargets("ref-1")).items.find((t) => t.referralUserId === "pays-while-day-2-leaves")!;
    expect(target).toMatchObject({ status: "exited", exitReason: "paid" });
    expect(target.messagesDelivered.map((d) => [d.day, d.status])).toEqual([
      [1, "sent"],
      [2, "sent"],
    ]);
    expect(target.messagesDelivered[1]!.sentAt).toEqual(target.exitedLoopAt);
    const stats = await h.engine.stats("ref-1");
    expect(stats.conversions).toEqual({ total: 2, byDay: { "1": 1, "2": 1 }, byVariant: {}, paidBeforeFirstMessage: 0 });
  });
});
