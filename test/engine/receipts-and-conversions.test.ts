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
    expect(stats.conversions).toEqual({ total: 3, byDay: { "1": 1, "3": 2 } });
    expect(stats.exited).toMatchObject({ paid: 4 });
    expect(stats).toMatchObject({ enrolled: 5, active: 1, completed: 0 });
    expect((await h.engine.globalStats()).conversions).toEqual(stats.conversions);
  });
});
