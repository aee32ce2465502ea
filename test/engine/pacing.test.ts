import { describe, expect, it } from "vitest";
import type { OutboxItem } from "@relance/adapters";
import { createHarness } from "../support/engine-harness.js";

async function senders(count: number, perSender: number, options: object) {
  const h = await createHarness({ messageDelayMs: 3000, messageJitterMs: 1000, typingMs: 500, ...options });
  await h.seedMessages(1);
  for (let s = 0; s < count; s++) {
    await h.addReferrer(`ref-${s}`, `+3360000000${s}`);
    for (let i = 0; i < perSender; i++) await h.addReferral(`ref-${s}`, `u-${s}-${i}`, `+336${s}${String(i).padStart(7, "0")}`);
  }
  await h.engine.runEnrollment();
  return h;
}

function gaps(items: OutboxItem[]): number[] {
  return items.slice(1).map((item, i) => item.sentAt.getTime() - items[i]!.sentAt.getTime());
}

function peakOverlap(intervals: Array<[number, number]>): number {
  let peak = 0;
  for (const [start] of intervals) peak = Math.max(peak, intervals.filter(([s, e]) => s <= start && start <= e).length);
  return peak;
}

describe("pacing", () => {
  it("keeps every gap between two sends of one account within [delay, delay + jitter], typing first", async () => {
    const h = await senders(1, 6, {});
    await h.dispatch();
    const outbox = h.transport.outbox("ref-0");
    expect(outbox).toHaveLength(6);
    for (const gap of gaps(outbox)) {
      expect(gap).toBeGreaterThanOrEqual(3000);
      expect(gap).toBeLessThanOrEqual(4000);
    }
    // Jitter really varies the gaps.
    expect(new Set(gaps(outbox)).size).toBeGreaterThan(1);
    // "typing…" shows to each recipient at least typingMs before their message.
    for (const item of outbox) {
      const typing = h.transport.typing.find((t) => t.to === item.to)!;
      expect(item.sentAt.getTime() - typing.at.getTime()).toBeGreaterThanOrEqual(500);
    }
  });

  it("runs senders in parallel up to the limit", async () => {
    const h = await senders(3, 4, { maxConcurrentSenders: 2 });
    await h.dispatch();
    const intervals = [0, 1, 2].map((s) => {
      const items = h.transport.outbox(`ref-${s}`);
      expect(items).toHaveLength(4);
      for (const gap of gaps(items)) expect(gap).toBeGreaterThanOrEqual(3000);
      return [items[0]!.sentAt.getTime(), items.at(-1)!.sentAt.getTime()] as [number, number];
    });
    expect(peakOverlap(intervals)).toBe(2);
  });

  it("serialises senders when the limit is 1", async () => {
    const h = await senders(3, 3, { maxConcurrentSenders: 1 });
    await h.dispatch();
    const intervals = [0, 1, 2].map((s) => {
      const items = h.transport.outbox(`ref-${s}`);
      return [items[0]!.sentAt.getTime(), items.at(-1)!.sentAt.getTime()] as [number, number];
    });
    expect(peakOverlap(intervals)).toBe(1);
  });
});
