import { describe, expect, it } from "vitest";
import { createMemoryStorage } from "@relance/adapters";
import { countingStorage } from "../../bench/counting-storage.js";
import { FAST, createHarness } from "../support/engine-harness.js";

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
});
