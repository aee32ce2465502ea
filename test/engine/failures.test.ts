import { describe, expect, it } from "vitest";
import { DAY, HOUR, createHarness } from "../support/engine-harness.js";

const MINUTE = 60_000;

async function enrolled(referrals = 1) {
  const h = await createHarness();
  await h.seedMessages(7);
  await h.addReferrer("ref-1", "+33600000001");
  for (let i = 0; i < referrals; i++) await h.addReferral("ref-1", `user-${i}`, `+3361111111${i}`);
  await h.engine.runEnrollment();
  return h;
}

const target = async (h: Awaited<ReturnType<typeof enrolled>>) => (await h.engine.listTargets("ref-1")).items[0]!;

describe("send failures", () => {
  it("retries after 15 min, 1 h and 4 h, then exits send_failed", async () => {
    const h = await enrolled();
    h.transport.failNextSends(4, "media download failed");
    const start = h.clock.now().getTime();

    const expectedRetries = [15 * MINUTE, HOUR, 4 * HOUR];
    let elapsed = 0;
    for (const [attempt, backoff] of expectedRetries.entries()) {
      expect((await h.dispatch()).failed, `attempt ${attempt + 1}`).toBe(1);
      const t = await target(h);
      expect(t).toMatchObject({ status: "active", currentDay: 1, failedAttempts: attempt + 1 });
      elapsed += backoff;
      expect(t.nextMessageDue!.getTime() - start).toBe(elapsed);
      h.clock.advance(backoff - 1);
      expect((await h.dispatch()).failed, "not before its backoff").toBe(0);
      h.clock.advance(1);
    }
    expect((await h.dispatch()).failed).toBe(1);
    const t = await target(h);
    expect(t).toMatchObject({ status: "exited", exitReason: "send_failed", failedAttempts: 4, nextMessageDue: null });
    expect(t.messagesDelivered.map((d) => [d.day, d.status, d.errorMessage])).toEqual(Array(4).fill([1, "failed", "media download failed"]));
    expect(h.transport.outbox()).toHaveLength(0);
    // Failed attempts do not eat the daily limit.
    expect((await h.engine.status("ref-1")).messagesSentToday).toBe(0);
  });

  it("recovers when a retry succeeds, and starts the next day from a clean slate", async () => {
    const h = await enrolled();
    h.transport.failNextSends(2);
    await h.dispatch();
    h.clock.advance(15 * MINUTE);
    await h.dispatch();
    h.clock.advance(HOUR);
    expect((await h.dispatch()).sent).toBe(1);
    expect(await target(h)).toMatchObject({ currentDay: 2, failedAttempts: 0, lastSentDay: 1 });
    h.transport.failNextSends(1);
    h.clock.advance(DAY);
    await h.dispatch();
    expect(await target(h)).toMatchObject({ currentDay: 2, failedAttempts: 1 });
  });

  it("exits invalid_number when the number is not on WhatsApp, before any message", async () => {
    const h = await enrolled(2);
    h.transport.setOnWhatsApp("+33611111110", false);
    const result = await h.dispatch();
    expect(result).toMatchObject({ sent: 1, exited: 1 });
    const items = (await h.engine.listTargets("ref-1")).items;
    expect(items.find((t) => t.referralUserId === "user-0")).toMatchObject({ status: "exited", exitReason: "invalid_number", messagesDelivered: [] });
    expect(h.transport.outbox().map((m) => m.to)).toEqual(["+33611111111"]);
  });
});

describe("sender unavailable", () => {
  it.each([
    ["disconnected", false],
    ["logged_out", true],
  ] as const)("%s: holds every target without counting an attempt, notifies once until relinked", async (status, loggedOut) => {
    const h = await enrolled(3);
    h.transport.drop("ref-1", { loggedOut });
    await h.engine.idle();
    expect((await h.engine.status("ref-1")).status).toBe(status);

    for (let run = 0; run < 3; run++) {
      expect(await h.dispatch()).toMatchObject({ sent: 0, failed: 0, held: 3 });
      h.clock.advance(HOUR);
    }
    const items = (await h.engine.listTargets("ref-1")).items;
    expect(items.every((t) => t.status === "active" && t.currentDay === 1 && t.failedAttempts === 0 && t.messagesDelivered.length === 0)).toBe(true);
    expect(h.notifier.sent).toHaveLength(1);
    expect(h.notifier.sent[0]).toMatchObject({ type: "sender_unavailable", referrerUserId: "ref-1", linkStatus: status });

    // Relinked: everything held leaves, and a later outage is notified again.
    await h.engine.connect("ref-1", { method: "qr" });
    h.transport.link("ref-1", "+33600000001");
    await h.engine.idle();
    expect((await h.dispatch()).sent).toBe(3);
    h.transport.drop("ref-1", { loggedOut });
    await h.engine.idle();
    h.clock.advance(DAY);
    await h.dispatch();
    expect(h.notifier.sent).toHaveLength(2);
  });

  it("holds the rest of a run when the session drops in the middle of it", async () => {
    const h = await enrolled(3);
    const originalSend = h.transport.send.bind(h.transport);
    let sends = 0;
    h.transport.send = async (...args) => {
      if (++sends === 2) h.transport.drop("ref-1");
      return originalSend(...args);
    };
    const result = await h.dispatch();
    expect(result).toMatchObject({ sent: 1, failed: 0 });
    expect(result.held).toBeGreaterThanOrEqual(2);
    const items = (await h.engine.listTargets("ref-1")).items;
    expect(items.filter((t) => t.currentDay === 1).every((t) => t.failedAttempts === 0 && t.claim === null)).toBe(true);
    expect(h.notifier.sent).toHaveLength(1);
    expect((await h.engine.status("ref-1")).messagesSentToday).toBe(1);
  });

  it("exits referrer_inactive when the subscription ended", async () => {
    const h = await enrolled(2);
    await h.dispatch();
    await h.directory.setSubscription({ userId: "ref-1", active: false });
    h.clock.advance(DAY);
    expect((await h.dispatch()).exited).toBe(2);
    const items = (await h.engine.listTargets("ref-1")).items;
    expect(items.every((t) => t.status === "exited" && t.exitReason === "referrer_inactive")).toBe(true);
  });

  it("refuses to connect without an active subscription", async () => {
    const h = await createHarness();
    await expect(h.engine.connect("nobody")).rejects.toMatchObject({ code: "subscription_required" });
  });
});

describe("a media failure after the text left", () => {
  it("counts the day as sent (with the reason) and never sends its text again", async () => {
    const h = await enrolled();
    await h.engine.messages.upsert({
      dayNumber: 1,
      messageTemplate: { fr: "Jour 1" },
      mediaUrls: [{ url: "https://cdn.example.com/a.jpg", type: "image", language: "both" }],
    });
    h.transport.failFirstMediaOfNextSend("media download failed");
    expect(await h.dispatch()).toMatchObject({ sent: 1, failed: 0 });
    for (let i = 0; i < 3; i++) {
      h.clock.advance(4 * HOUR);
      await h.dispatch();
    }
    expect(h.transport.outbox().filter((m) => m.day === 1)).toHaveLength(1);
    const t = await target(h);
    expect(t).toMatchObject({ currentDay: 2, failedAttempts: 0, lastSentDay: 1 });
    expect(t.messagesDelivered[0]).toMatchObject({ day: 1, status: "sent", errorMessage: expect.stringMatching(/media download failed/) });
  });
});

describe("number checks that keep failing", () => {
  it("count as failed attempts with backoff, so they cannot block the queue behind them", async () => {
    const h = await createHarness({ messageDelayMs: 0, messageJitterMs: 0, typingMs: 0, dispatchPageSize: 2 });
    await h.seedMessages(7);
    await h.addReferrer("ref-1", "+33600000001");
    for (let i = 0; i < 3; i++) await h.addReferral("ref-1", `user-${i}`, `+3361111111${i}`);
    await h.engine.updateConfig("ref-1", { sendWindow: { start: "00:00", end: "23:59" } });
    await h.engine.runEnrollment();
    const original = h.transport.isOnWhatsApp.bind(h.transport);
    h.transport.isOnWhatsApp = async (referrerUserId, phone) => {
      if (phone !== "+33611111112") throw new Error("usync query timed out");
      return original(referrerUserId, phone);
    };
    expect(await h.dispatch()).toMatchObject({ sent: 1, failed: 2 });
    expect(h.transport.outbox().map((m) => m.to)).toEqual(["+33611111112"]);
    for (let i = 0; i < 4; i++) {
      h.clock.advance(4 * HOUR);
      await h.dispatch();
    }
    const items = (await h.engine.listTargets("ref-1")).items;
    expect(items.filter((t) => t.exitReason === "send_failed").map((t) => t.referralUserId).sort()).toEqual(["user-0", "user-1"]);
  });
});

describe("an empty message set", () => {
  it("holds every relance instead of ending the loops", async () => {
    const h = await enrolled(2);
    for (let day = 1; day <= 7; day++) await h.engine.messages.delete(day);
    expect(await h.dispatch()).toMatchObject({ sent: 0, exited: 0 });
    expect((await h.engine.listTargets("ref-1")).items.every((t) => t.status === "active" && t.currentDay === 1)).toBe(true);
    await h.seedMessages(7);
    expect((await h.dispatch()).sent).toBe(2);
  });
});
