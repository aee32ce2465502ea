import { describe, expect, it } from "vitest";
import { healthCounterKey, healthCounterOwner, type ReferrerStatus } from "@relance/core";
import { createMemoryStorage } from "@relance/adapters";
import { countingStorage } from "../../bench/counting-storage.js";
import { FAST, HOUR, START, createHarness } from "../support/engine-harness.js";

/*
 * The storage round trips a dispatch run spends per message sent, counted on the port (the same on
 * every backend): a count, not a time. Per message, three calls: the claim with its reservations
 * (`targets.claimReserving`), the `sending` mark and the record (`targets.updateIf`). The rest is
 * per run or per sender (lease, config, directory, one page of due targets and its reads), spread
 * over the messages: `npm run bench` measures the same with 100 due per sender.
 */

const SENDERS = 5;
const DUE = 20;

describe("dispatch round trips per message sent", () => {
  it(`${SENDERS} senders × ${DUE} due (their daily cap): at most 4 storage calls per message, 3 of them per message`, async () => {
    const counted = countingStorage(createMemoryStorage());
    const h = await createHarness({ ...FAST, maxMessagesPerDay: DUE }, counted.storage);
    await h.seedMessages(7);
    for (let r = 0; r < SENDERS; r++) {
      await h.addReferrer(`ref-${r}`, `+3360000000${r}`);
      for (let i = 0; i < DUE; i++) await h.addReferral(`ref-${r}`, `u${r}-${i}`, `+336111${String(r * DUE + i).padStart(5, "0")}`);
    }
    expect(await h.engine.runEnrollment()).toMatchObject({ enrolled: SENDERS * DUE });

    // A status listener (the service always has one: its metrics) hears each send's count, which
    // the run counts itself rather than reading it back per message.
    const sentToday = new Map<string, number[]>();
    h.engine.subscribe((event) => {
      if (event.type === "status") sentToday.set(event.referrerUserId, [...(sentToday.get(event.referrerUserId) ?? []), event.status.messagesSentToday]);
    });

    counted.reset();
    const result = await h.dispatch();
    const counts = counted.reset();
    expect(result).toMatchObject({ sent: SENDERS * DUE, failed: 0 });

    const sent = result.sent;
    // Per message: the claim with its slots, the `sending` mark, the record.
    expect(counts.byMethod["targets.claimReserving"]).toBe(sent);
    expect(counts.byMethod["targets.updateIf"]).toBe(2 * sent);
    expect(counts.byMethod["counters.tryIncrementAll"]).toBeUndefined();
    // Nothing else grows with the messages: every other call is made at most once per sender.
    const others = Object.entries(counts.byMethod).filter(([method]) => method !== "targets.claimReserving" && method !== "targets.updateIf");
    for (const [method, calls] of others) expect(calls, method).toBeLessThanOrEqual(SENDERS);
    expect(counts.calls / sent).toBeLessThanOrEqual(4);
    for (let r = 0; r < SENDERS; r++) expect(sentToday.get(`ref-${r}`), `ref-${r}`).toEqual(Array.from({ length: DUE }, (_, i) => i + 1));
  });

  it("the service's shape (a status listener, sender health on, a new-chat quota reported): the status after each send costs no storage call", async () => {
    const counted = countingStorage(createMemoryStorage());
    // Degraded senders (below): their cap is halved to DUE.
    const h = await createHarness({ ...FAST, maxMessagesPerDay: 2 * DUE, senderHealth: true }, counted.storage);
    const reportedAt = new Date(Date.parse(START) - HOUR);
    Object.assign(h.transport, { newChatQuota: () => ({ remaining: 1_000, resetsAt: null, reportedAt }) });
    await h.seedMessages(7);
    const judgedHour = new Date(Date.parse(START) - 10 * HOUR);
    for (let r = 0; r < SENDERS; r++) {
      await h.addReferrer(`ref-${r}`, `+3360000000${r}`);
      for (let i = 0; i < DUE; i++) await h.addReferral(`ref-${r}`, `u${r}-${i}`, `+336111${String(r * DUE + i).padStart(5, "0")}`);
      // 20 sent 10 h ago, 14 delivered: 70 % delivered, `degraded` (its cap halved).
      for (let i = 0; i < 20; i++) await h.storage.counters.tryIncrement(healthCounterOwner(`ref-${r}`), healthCounterKey(judgedHour, "sent"), Number.MAX_SAFE_INTEGER);
      for (let i = 0; i < 14; i++) await h.storage.counters.tryIncrement(healthCounterOwner(`ref-${r}`), healthCounterKey(judgedHour, "delivered"), Number.MAX_SAFE_INTEGER);
    }
    expect(await h.engine.runEnrollment()).toMatchObject({ enrolled: SENDERS * DUE });
    const before = await h.engine.status("ref-0");
    expect(before.health).toMatchObject({ state: "degraded", deliveredShare: 0.7 });
    expect(before.dailyLimit).toBe(DUE);

    const published = new Map<string, ReferrerStatus[]>();
    h.engine.subscribe((event) => {
      if (event.type === "status") published.set(event.referrerUserId, [...(published.get(event.referrerUserId) ?? []), event.status]);
    });

    counted.reset();
    const result = await h.dispatch();
    const counts = counted.reset();
    expect(result).toMatchObject({ sent: SENDERS * DUE, failed: 0 });
    const sent = result.sent;

    // What a subscriber sees after each send: the day's exact count, the health as the run judged
    // it (its cap), what remains of the new-chat quota.
    for (let r = 0; r < SENDERS; r++) {
      const statuses = published.get(`ref-${r}`) ?? [];
      expect(statuses.map((s) => s.messagesSentToday), `ref-${r}`).toEqual(Array.from({ length: DUE }, (_, i) => i + 1));
      expect(statuses.map((s) => s.newChatQuota?.remaining), `ref-${r}`).toEqual(Array.from({ length: DUE }, (_, i) => 1_000 - i - 1));
      for (const status of statuses) {
        expect(status.health).toEqual(before.health);
        expect(status.dailyLimit).toBe(DUE);
      }
    }
    // The health reads (the gate's) and the counter reads are per sender, not per message.
    expect(counts.byMethod["counters.listRange"]).toBeLessThanOrEqual(SENDERS);
    expect(counts.byMethod["counters.get"] ?? 0).toBeLessThanOrEqual(2 * SENDERS);
    // Per message: the claim with its slots, the `sending` mark, the record; and the health's count.
    expect(counts.byMethod["targets.claimReserving"]).toBe(sent);
    expect(counts.byMethod["targets.updateIf"]).toBe(2 * sent);
    expect(counts.byMethod["counters.tryIncrement"]).toBe(sent);
    const perMessage = new Set(["targets.claimReserving", "targets.updateIf", "counters.tryIncrement"]);
    for (const [method, calls] of Object.entries(counts.byMethod)) if (!perMessage.has(method)) expect(calls, method).toBeLessThanOrEqual(2 * SENDERS);

    // Every message that left is counted once in its sender's health, under the hour it left.
    for (let r = 0; r < SENDERS; r++) {
      const series = await h.storage.counters.listRange(healthCounterOwner(`ref-${r}`), "", "~");
      expect(series.find((c) => c.key === healthCounterKey(h.clock.now(), "sent"))?.count, `ref-${r}`).toBe(DUE);
    }
  });
});
