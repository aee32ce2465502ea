import { afterEach, describe, expect, it } from "vitest";
import { DisconnectReason } from "@whiskeysockets/baileys";
import { createRelanceEngine, type ReferrerNotification, type Transport } from "@relance/core";
import { ManualClock, StoredDirectory, createMemoryStorage, createSessionCipher } from "@relance/adapters";
import { createBaileysTransport } from "../../packages/adapters/src/transports/baileys/index.js";
import { FakeWhatsApp, fakeMediaDownloader } from "@relance/adapters/testing/baileys";
import { FAST, HOUR, NO_NEW_ACCOUNT_LIMITS, START, seededRandom } from "../support/engine-harness.js";

// Review round 2, B7: a Baileys socket that drops and is reconnecting (backoff) is `connecting`.
// Dispatch holds the sender's targets without counting an attempt and without telling the
// referrer "sender unavailable"; once the socket is back, the day goes out.

const REFERRER = "ref-1";
const REFERRER_PHONE = "+33600000001";

const transports: Transport[] = [];
afterEach(async () => {
  await Promise.all(transports.splice(0).map((t) => t.close()));
});

async function until(predicate: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await predicate()) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe("a Baileys socket dropped for a moment", () => {
  it("holds the due day quietly while it reconnects, then sends it: no 'sender unavailable' to the referrer", async () => {
    const storage = createMemoryStorage();
    await storage.init();
    const clock = new ManualClock(START, { autoAdvance: false });
    const world = new FakeWhatsApp({ now: () => clock.now() });
    const transport = createBaileysTransport({
      sessions: storage.sessions,
      leases: storage.leases,
      cipher: createSessionCipher({ secrets: ["a-test-secret-of-32-characters!!"] }),
      clock,
      instanceId: "process-a",
      maxSessions: 10,
      idleTimeoutMs: 30 * 60_000,
      readyTimeoutMs: 20, // the backoff runs on the manual clock: ensureReady stops waiting at once
      makeSocket: world.makeSocket,
      downloadMedia: fakeMediaDownloader,
      fetchWaVersion: async () => ({ version: [2, 3000, 1], isLatest: true }),
      random: () => 0.5,
    });
    transports.push(transport);
    const notes: ReferrerNotification[] = [];
    const directory = new StoredDirectory(storage.directory, clock);
    await directory.setSubscription({ userId: REFERRER, active: true, name: "Jean Martin", phone: REFERRER_PHONE });
    await directory.upsertReferral({ userId: "user-1", referrerId: REFERRER, phone: "+33611111111", name: "Alice Durand", language: "fr", createdAt: new Date(clock.now().getTime() - 2 * HOUR), paid: false, paymentLink: "https://pay.example.com/1" });
    const engine = createRelanceEngine({
      storage,
      directory,
      transport,
      clock,
      notifier: { notify: async (note) => void notes.push(note) },
      options: { ...NO_NEW_ACCOUNT_LIMITS, ...FAST, instanceId: "process-a" },
      random: seededRandom(),
    });
    for (let day = 1; day <= 7; day++) await engine.messages.upsert({ dayNumber: day, messageTemplate: { fr: `Jour ${day}` } });
    await engine.connect(REFERRER, { method: "qr" });
    await world.current(REFERRER).linkFromPhone(REFERRER_PHONE);
    await until(async () => (await engine.status(REFERRER)).status === "connected", "linked");
    await engine.runEnrollment();

    // The network drops right before the run: Baileys reports 408 and the transport backs off 2 s.
    await world.current(REFERRER).closeWith(DisconnectReason.connectionLost);
    await until(() => transport.getState(REFERRER).status === "connecting", "reconnecting");
    const during = await engine.runDispatch();
    await engine.idle();
    expect(during.sent).toBe(0);
    expect(during.held).toBe(1);
    expect(notes.filter((n) => n.type === "sender_unavailable")).toEqual([]);
    const [held] = (await engine.listTargets(REFERRER)).items;
    expect(held).toMatchObject({ status: "active", currentDay: 1, failedAttempts: 0, messagesDelivered: [] });

    clock.advance(2_000);
    await until(async () => (await engine.status(REFERRER)).status === "connected", "reconnected");
    const after = await engine.runDispatch();
    await engine.idle();
    expect(after.sent).toBe(1);
    expect(notes.filter((n) => n.type === "sender_unavailable")).toEqual([]);
    await engine.stop();
  });
});
