import { describe, expect, it } from "vitest";
import { createMemoryStorage, type OutboxItem } from "@relance/adapters";
import type { StorageBackend } from "@relance/adapters";
import { createHarness, FAST, HOUR, type Harness } from "../support/engine-harness.js";
import { everyStorageBackend } from "../support/storage-backends.js";

const { backends, track } = await everyStorageBackend("sender health");

const MINUTE = 60_000;
const PER_REFERRER = 20;

/** Two referrers of 20 referrals each: `healthy`, whose messages are delivered, and `muted`, whose never are. */
async function twoSenders(storage: StorageBackend = createMemoryStorage()): Promise<Harness> {
  const h = await createHarness({ ...FAST, senderHealth: true }, storage);
  await h.seedMessages(7);
  for (const [r, referrerId] of ["healthy", "muted"].entries()) {
    await h.addReferrer(referrerId, `+3360000000${r}`);
    for (let i = 0; i < PER_REFERRER; i++) await h.addReferral(referrerId, `${referrerId}-${i}`, `+33620${r}0000${String(i).padStart(2, "0")}`);
  }
  await h.engine.runEnrollment();
  return h;
}

/** The recipients' phones: every message of `referrerId` not yet acknowledged is delivered now. */
const delivered = new WeakMap<Harness, Set<string>>();
async function deliverAll(h: Harness, referrerId: string): Promise<number> {
  const seen = delivered.get(h) ?? new Set<string>();
  delivered.set(h, seen);
  let count = 0;
  for (const item of h.transport.outbox(referrerId)) {
    if (seen.has(item.messageId)) continue;
    seen.add(item.messageId);
    h.transport.receipt(item.messageId, "delivered");
    count++;
  }
  await h.engine.idle();
  return count;
}

const onDay = (items: OutboxItem[], day: number) => items.filter((item) => item.day === day).length;

describe("sender health (issue 21, item 2)", () => {
  it("an account whose messages are never delivered becomes at_risk and stops, told once, while a healthy one keeps its pace; it resumes when deliveries return", async () => {
    const h = await twoSenders();
    await h.dispatch();
    await deliverAll(h, "healthy");
    expect(onDay(h.transport.outbox("healthy"), 1)).toBe(PER_REFERRER);
    expect(onDay(h.transport.outbox("muted"), 1)).toBe(PER_REFERRER);
    // Too early to judge: a phone may be off for a few hours.
    expect((await h.engine.status("muted")).health).toEqual({ state: "good", reason: null, deliveredShare: null });

    h.clock.advance(7 * HOUR);
    const judged = await h.engine.status("muted");
    expect(judged.health).toMatchObject({ state: "at_risk", deliveredShare: 0, reason: expect.stringContaining("delivered") });
    expect((await h.engine.status("healthy")).health).toEqual({ state: "good", reason: null, deliveredShare: 1 });

    // Day 2: the healthy account sends its follow-ups; the muted one is held, no attempt counted.
    h.clock.advance(17 * HOUR);
    const run = await h.dispatch();
    await deliverAll(h, "healthy");
    expect(onDay(h.transport.outbox("healthy"), 2)).toBe(PER_REFERRER);
    expect(onDay(h.transport.outbox("muted"), 2)).toBe(0);
    expect(run.held).toBe(PER_REFERRER);
    const mutedTargets = (await h.engine.listTargets("muted", { limit: 100 })).items;
    expect(mutedTargets.every((t) => t.status === "active" && t.currentDay === 2)).toBe(true);
    const atRisk = () => h.notifier.sent.filter((n) => n.type === "sender_at_risk");
    expect(atRisk()).toEqual([expect.objectContaining({ referrerUserId: "muted", deliveredShare: 0, heldTargets: PER_REFERRER })]);

    // Still held on the next runs, and told only once.
    for (let i = 0; i < 3; i++) {
      h.clock.advance(11 * MINUTE);
      await h.dispatch();
    }
    expect(onDay(h.transport.outbox("muted"), 2)).toBe(0);
    expect(atRisk()).toHaveLength(1);
    expect((await h.engine.status("muted")).health.state).toBe("at_risk");

    // The phones come back: the late receipts lift the share, and the sender resumes by itself.
    await deliverAll(h, "muted");
    expect((await h.engine.status("muted")).health).toEqual({ state: "good", reason: null, deliveredShare: 1 });
    h.clock.advance(11 * MINUTE);
    await h.dispatch();
    expect(onDay(h.transport.outbox("muted"), 2)).toBe(PER_REFERRER);
    expect(atRisk()).toHaveLength(1);
  });

  it("resumes after the cool-down even without receipts, judged afresh, and is held again (told again) if nothing is delivered since", async () => {
    const h = await twoSenders();
    await h.dispatch();
    h.clock.advance(24 * HOUR);
    await h.dispatch();
    expect(onDay(h.transport.outbox("muted"), 2)).toBe(0);
    const heldAt = h.clock.now().getTime();

    h.clock.set(new Date(heldAt + 23 * HOUR));
    await h.dispatch();
    expect(onDay(h.transport.outbox("muted"), 2)).toBe(0);
    h.clock.set(new Date(heldAt + 24 * HOUR + MINUTE));
    await h.dispatch();
    // The receipts that held it are not held against it again: nothing judged yet.
    expect(onDay(h.transport.outbox("muted"), 2)).toBe(PER_REFERRER);
    expect((await h.engine.status("muted")).health).toEqual({ state: "good", reason: null, deliveredShare: null });

    // Still nothing delivered 7 h later: held again, and the referrer hears of it again.
    h.clock.advance(7 * HOUR);
    expect((await h.engine.status("muted")).health.state).toBe("at_risk");
    h.clock.advance(17 * HOUR);
    await h.dispatch();
    expect(onDay(h.transport.outbox("muted"), 3)).toBe(0);
    expect(h.notifier.sent.filter((n) => n.type === "sender_at_risk" && n.referrerUserId === "muted")).toHaveLength(2);
  });

  it("degraded (some messages not delivered) halves the day's cap; error receipts count too", async () => {
    const h = await createHarness({ ...FAST, senderHealth: true, maxMessagesPerDay: 40 });
    await h.seedMessages(7);
    await h.addReferrer("ref", "+33600000009");
    for (let i = 0; i < 30; i++) await h.addReferral("ref", `u-${i}`, `+336300000${String(i).padStart(2, "0")}`);
    await h.engine.runEnrollment();
    await h.dispatch();
    // 21 of 30 delivered (70 %): below the 80 % of `good`, above the 50 % of `at_risk`.
    for (const item of h.transport.outbox("ref").slice(0, 21)) h.transport.receipt(item.messageId, "delivered");
    await h.engine.idle();
    h.clock.advance(7 * HOUR);
    const status = await h.engine.status("ref");
    expect(status.health).toMatchObject({ state: "degraded", deliveredShare: 0.7 });
    expect(status.dailyLimit).toBe(20);
    h.clock.advance(17 * HOUR);
    await h.dispatch();
    expect(onDay(h.transport.outbox("ref"), 2)).toBe(20);

    // Error receipts (e.g. WhatsApp refusing with 463) put it at risk at once.
    const h2 = await createHarness({ ...FAST, senderHealth: true });
    await h2.seedMessages(7);
    await h2.addReferrer("ref", "+33600000009");
    for (let i = 0; i < 12; i++) await h2.addReferral("ref", `u-${i}`, `+336300000${String(i).padStart(2, "0")}`);
    await h2.engine.runEnrollment();
    await h2.dispatch();
    h2.clock.advance(20 * MINUTE);
    h2.transport.receipt(h2.transport.outbox("ref")[0]!.messageId, "failed", "463");
    await h2.engine.idle();
    expect((await h2.engine.status("ref")).health).toMatchObject({ state: "at_risk", reason: expect.stringContaining("463") });
  });

  it("the retention job deletes health counters a day past the lookback, and only those", async () => {
    const h = await twoSenders();
    await h.dispatch();
    const owner = "health:healthy";
    const hour = h.clock.now().toISOString().slice(0, 13);
    expect(await h.storage.counters.listRange(owner, hour, `${hour};`)).toEqual([{ key: `${hour}:s`, count: PER_REFERRER }]);
    h.clock.advance(48 * HOUR);
    await h.engine.runRetention();
    expect(await h.storage.counters.listRange(owner, hour, `${hour};`)).toHaveLength(1);
    h.clock.advance(25 * HOUR);
    await h.engine.runRetention();
    expect(await h.storage.counters.listRange(owner, hour, `${hour};`)).toEqual([]);
    // The daily counters are not the health's.
    expect(await h.storage.counters.get("healthy", "2026-01-05")).toBe(PER_REFERRER);
  });

  it.each(backends)("is judged the same on %s (hourly counters read in one bounded query)", async (_name, open) => {
    const storage = await open();
    track(() => storage.close());
    const h = await twoSenders(storage);
    await h.dispatch();
    await deliverAll(h, "healthy");
    h.clock.advance(7 * HOUR);
    expect((await h.engine.status("muted")).health).toMatchObject({ state: "at_risk", deliveredShare: 0 });
    expect((await h.engine.status("healthy")).health).toEqual({ state: "good", reason: null, deliveredShare: 1 });
    h.clock.advance(17 * HOUR);
    await h.dispatch();
    expect(onDay(h.transport.outbox("muted"), 2)).toBe(0);
    expect(onDay(h.transport.outbox("healthy"), 2)).toBe(PER_REFERRER);
  }, 60_000);
});
