import { afterEach } from "vitest";
import { createRelanceEngine, type RelanceEngine, type RelanceStorage, type Transport } from "@relance/core";
import type { StorageBackend } from "@relance/adapters";
import { LogNotifier, ManualClock, StoredDirectory, createMemoryStorage, createSessionCipher } from "@relance/adapters";
import { createBaileysTransport } from "../../packages/adapters/src/transports/baileys/index.js";
import type { BaileysTransportOptions } from "../../packages/adapters/src/transports/baileys/transport-options.js";
import { FakeWhatsApp, fakeMediaDownloader } from "@relance/adapters/testing/baileys";
import { FAST, HOUR, NO_NEW_ACCOUNT_LIMITS, START, seededRandom } from "./engine-harness.js";

export const REFERRER = "ref-1";
export const REFERRER_PHONE = "+33600000001";
export const REFERRAL_PHONE = "+33611111111";

/** The transports a test file's processes open (`track`), closed after each test. */
export function transportsClosedAfterEach(): Transport[] {
  const transports: Transport[] = [];
  afterEach(async () => {
    await Promise.all(transports.splice(0).map((t) => t.close()));
  });
  return transports;
}

/**
 * Memory storage, a manual clock at START and the simulated WhatsApp, with one subscribed
 * referrer (Jean, REFERRER_PHONE) and one unpaid referral (Alice, REFERRAL_PHONE) created two
 * hours before: no process runs yet.
 */
export async function oneReferral(): Promise<{ storage: StorageBackend; clock: ManualClock; world: FakeWhatsApp }> {
  const storage = createMemoryStorage();
  await storage.init();
  const clock = new ManualClock(START);
  const world = new FakeWhatsApp({ now: () => clock.now() });
  const directory = new StoredDirectory(storage.directory, clock);
  await directory.setSubscription({ userId: REFERRER, active: true, name: "Jean Martin", phone: REFERRER_PHONE });
  await directory.upsertReferral({ userId: "user-1", referrerId: REFERRER, phone: REFERRAL_PHONE, name: "Alice Durand", language: "fr", createdAt: new Date(clock.now().getTime() - 2 * HOUR), paid: false, paymentLink: "https://pay.example.com/1" });
  return { storage, clock, world };
}

/** The texts the referrer's sockets sent, in order. */
export const sentTexts = (world: FakeWhatsApp) => world.socketsOf(REFERRER).flatMap((s) => s.sent.map((m) => ("text" in m.content ? m.content.text : "")));

/**
 * One service process for engine tests over the Baileys transport on the fake sockets: its own
 * transport and engine on the shared storage and simulated WhatsApp. `engineStorage` lets a test
 * give the engine a failing view of the storage while the transport keeps the real one.
 */
export function baileysProcess(options: {
  storage: StorageBackend;
  world: FakeWhatsApp;
  clock: ManualClock;
  instanceId: string;
  engineStorage?: RelanceStorage;
  transport?: Partial<BaileysTransportOptions>;
  track: Transport[];
}): { engine: RelanceEngine; transport: Transport } {
  const { storage, world, clock, instanceId } = options;
  const transport = createBaileysTransport({
    sessions: storage.sessions,
    leases: storage.leases,
    cipher: createSessionCipher({ secrets: ["a-test-secret-of-32-characters!!"] }),
    clock,
    instanceId,
    maxSessions: 10,
    idleTimeoutMs: 30 * 60_000,
    leaseTtlMs: 60_000,
    makeSocket: world.makeSocket,
    downloadMedia: fakeMediaDownloader,
    fetchWaVersion: async () => ({ version: [2, 3000, 1], isLatest: true }),
    random: () => 0.5,
    ...options.transport,
  });
  options.track.push(transport);
  const engine = createRelanceEngine({
    storage: options.engineStorage ?? storage,
    directory: new StoredDirectory(storage.directory, clock),
    transport,
    clock,
    notifier: new LogNotifier(),
    options: { ...NO_NEW_ACCOUNT_LIMITS, ...FAST, instanceId },
    random: seededRandom(),
  });
  return { engine, transport };
}

/** Polls until `predicate` holds (2 s of 5 ms steps), naming what it waited for on failure. */
export async function until(predicate: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await predicate()) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`timed out waiting for ${what}`);
}
