import { describe, expect, it, vi } from "vitest";
import { DAY, HOUR, createHarness } from "../support/engine-harness.js";

describe("directory reads follow the work due", () => {
  it("dispatch reads only the referrals of the targets it sends, never the referrer's whole list", async () => {
    const h = await createHarness({ messageDelayMs: 0, messageJitterMs: 0, typingMs: 0, maxMessagesPerDay: 10 });
    await h.seedMessages(7);
    await h.addReferrer("ref-1", "+33600000001");
    for (let i = 0; i < 40; i++) await h.addReferral("ref-1", `u-${i}`, `+336111111${String(i).padStart(2, "0")}`);
    await h.engine.runEnrollment();
    const whole = vi.spyOn(h.directory, "listReferrals");
    const byId = vi.spyOn(h.directory, "getReferrals");

    // 40 due, 10 allowed today: 10 sent, 10 referrals read, the other 30 deferred without a read.
    expect(await h.dispatch()).toMatchObject({ sent: 10, deferred: 30 });
    expect(whole).not.toHaveBeenCalled();
    const read = byId.mock.calls.flatMap(([, ids]) => [...ids]);
    const sent = h.transport.outbox().map((message) => message.targetId);
    expect(read).toHaveLength(10);
    const targets = await Promise.all(sent.map((id) => h.storage.targets.get(id)));
    expect(new Set(read)).toEqual(new Set(targets.map((t) => t!.referralUserId)));

    // A referral's new payment link, read at send time, reaches the message.
    const next = (await h.engine.listTargets("ref-1", { status: "active", limit: 100 })).items.find((t) => t.currentDay === 1)!;
    await h.directory.upsertReferral({ ...(await h.storage.directory.getReferrals("ref-1", [next.referralUserId]))[0]!, paymentLink: "https://pay.example.com/new" });
    h.clock.advance(DAY + HOUR);
    byId.mockClear();
    await h.dispatch();
    expect(byId.mock.calls.flatMap(([, ids]) => [...ids])).toHaveLength(10);
    expect((await h.storage.targets.get(next.id))!.contact.paymentLink).toBe("https://pay.example.com/new");
    expect(whole).not.toHaveBeenCalled();
  });
});
