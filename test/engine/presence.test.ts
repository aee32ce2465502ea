import { describe, expect, it } from "vitest";
import { enrolledHarness } from "../support/engine-harness.js";

const enrolled = enrolledHarness;

describe("presence", () => {
  it("online once per batch, typing for a random 2-6 s before each message, paused, send; offline after the batch", async () => {
    const h = await enrolled(4, { typingMs: 2000, typingMaxMs: 6000, messageDelayMs: 3000, messageJitterMs: 0 });
    await h.dispatch();
    const outbox = h.transport.outbox("ref-1");
    expect(outbox).toHaveLength(4);
    const presence = h.transport.presence.filter((p) => p.referrerUserId === "ref-1");
    expect(presence.map((p) => p.state)).toEqual(["available", ...outbox.flatMap(() => ["composing", "paused"]), "unavailable"]);
    expect(presence.filter((p) => p.state === "available" || p.state === "unavailable").every((p) => p.to === undefined)).toBe(true);

    const typingTimes = outbox.map((item, i) => {
      const composing = presence[1 + 2 * i]!;
      const paused = presence[2 + 2 * i]!;
      expect(composing.to).toBe(item.to);
      expect(paused.to).toBe(item.to);
      expect(paused.at.getTime()).toBe(item.sentAt.getTime());
      return paused.at.getTime() - composing.at.getTime();
    });
    for (const ms of typingTimes) {
      expect(ms).toBeGreaterThanOrEqual(2000);
      expect(ms).toBeLessThanOrEqual(6000);
    }
    expect(new Set(typingTimes).size).toBeGreaterThan(1);
    // RELANCE_MESSAGE_DELAY_MS stays the minimum gap between two sends.
    for (let i = 1; i < outbox.length; i++) expect(outbox[i]!.sentAt.getTime() - outbox[i - 1]!.sentAt.getTime()).toBeGreaterThanOrEqual(3000);
    expect(presence.at(-1)!.at.getTime()).toBeGreaterThanOrEqual(outbox.at(-1)!.sentAt.getTime());
  });

  it("shows nothing when typing is off", async () => {
    const h = await enrolled(2);
    await h.dispatch();
    expect(h.transport.outbox()).toHaveLength(2);
    expect(h.transport.presence).toHaveLength(0);
  });
});
