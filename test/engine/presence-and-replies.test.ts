import { describe, expect, it } from "vitest";
import { createMemoryStorage } from "@relance/adapters";
import type { RelanceStorage } from "@relance/core";
import { enrolledHarness } from "../support/engine-harness.js";

const enrolled = enrolledHarness;

/** Storage whose opt-out writes take a turn of the event loop, as a real database does. */
function slowOptOutStorage(): RelanceStorage {
  const storage = createMemoryStorage();
  const add = storage.doNotContact.add.bind(storage.doNotContact);
  storage.doNotContact.add = async (entry) => {
    await new Promise((resolve) => setImmediate(resolve));
    return add(entry);
  };
  return storage;
}

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

describe("pending replies are handled before sending", () => {
  it("a STOP from the offline backlog, surfaced while the session comes up, wins over that day's message", async () => {
    const h = await enrolled(3, {}, slowOptOutStorage());
    h.transport.inboundWhileOffline("+33611111101", "+33600000001", "STOP");
    const result = await h.dispatch();
    expect(result).toMatchObject({ sent: 2 });
    expect(h.transport.outbox().map((m) => m.to)).toEqual(["+33611111100", "+33611111102"]);
    const stopped = (await h.engine.listTargets("ref-1")).items.find((t) => t.referralUserId === "user-1")!;
    expect(stopped).toMatchObject({ status: "exited", exitReason: "opted_out", messagesDelivered: [] });
  });

  it("a STOP arriving while the message is being typed stops it", async () => {
    const h = await enrolled(3, { typingMs: 3000, messageDelayMs: 1000, messageJitterMs: 0 }, slowOptOutStorage());
    h.transport.replyWhileComposing("ref-1", "+33611111101", "stop");
    await h.dispatch();
    expect(h.transport.outbox().map((m) => m.to)).toEqual(["+33611111100", "+33611111102"]);
    const stopped = (await h.engine.listTargets("ref-1")).items.find((t) => t.referralUserId === "user-1")!;
    expect(stopped).toMatchObject({ status: "exited", exitReason: "opted_out", messagesDelivered: [] });
    expect((await h.engine.status("ref-1")).messagesSentToday).toBe(2);
  });
});
