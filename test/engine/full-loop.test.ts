import { describe, expect, it } from "vitest";
import { DAY, HOUR, createHarness } from "../support/engine-harness.js";

describe("the 7-day loop", () => {
  it("sends days 1..7 exactly 24 h apart, then completes with completed_7_days", async () => {
    const h = await createHarness();
    await h.seedMessages(7);
    await h.addReferrer("ref-1", "+33600000001");
    await h.addReferral("ref-1", "user-1", "+33611111111", { name: "Alice Durand" });

    expect(await h.engine.runEnrollment()).toEqual({ enrolled: 1, skipped: 0 });
    for (let day = 1; day <= 7; day++) {
      const result = await h.dispatch();
      expect(result.sent, `day ${day}`).toBe(1);
      // Nothing more is due until the next day.
      h.clock.advance(DAY - HOUR);
      expect((await h.dispatch()).sent).toBe(0);
      h.clock.advance(HOUR);
    }
    expect((await h.dispatch()).sent).toBe(0);

    const outbox = h.transport.outbox("ref-1");
    expect(outbox.map((m) => m.day)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(outbox.map((m) => m.text)).toEqual([1, 2, 3, 4, 5, 6, 7].map((d) => `Jour ${d}/7 : bonjour Alice`));
    for (let i = 1; i < outbox.length; i++) {
      expect(outbox[i]!.sentAt.getTime() - outbox[i - 1]!.sentAt.getTime()).toBe(DAY);
    }
    expect(outbox.every((m) => m.from === "+33600000001" && m.to === "+33611111111")).toBe(true);

    const { items } = await h.engine.listTargets("ref-1");
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ status: "completed", exitReason: "completed_7_days", currentDay: 7, nextMessageDue: null });
    expect(items[0]!.messagesDelivered.map((d) => [d.day, d.status])).toEqual([1, 2, 3, 4, 5, 6, 7].map((d) => [d, "sent"]));
    expect(items[0]!.messagesDelivered.map((d) => d.messageId)).toEqual(outbox.map((m) => m.messageId));
  });

  it("runs a dozen referrals through the whole week on the manual clock, without real waiting", async () => {
    const h = await createHarness();
    await h.seedMessages(7);
    await h.addReferrer("ref-1", "+33600000001");
    for (let i = 0; i < 12; i++) await h.addReferral("ref-1", `user-${i}`, `+3361111110${String(i).padStart(2, "0")}`);
    await h.engine.runEnrollment();
    for (let day = 1; day <= 7; day++) {
      expect((await h.dispatch()).sent).toBe(12);
      h.clock.advance(DAY);
    }
    const stats = await h.engine.stats("ref-1");
    expect(stats).toMatchObject({ enrolled: 12, active: 0, completed: 12, messages: { sent: 84, failed: 0 } });
    expect(h.clock.pendingSleeps).toBe(0);
  });
});
