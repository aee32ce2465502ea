import { afterEach } from "vitest";
import type { E164, Transport, TransportEvent } from "@relance/core";
import type { StorageBackend } from "../../../src/ports/index.js";
import { ManualClock, createMemoryStorage, createSessionCipher } from "../../../src/index.js";
import { createBaileysTransport, sessionIdOf, type BaileysTransportOptions } from "../../../src/transports/baileys/index.js";
import { encryptedEntries } from "../../../src/transports/session/encrypted-entries.js";
import { FakeWhatsApp, fakeMediaDownloader, type FakeBaileysSocket } from "../../../src/testing/fake-baileys-socket.js";

export const SECRET = "a-test-secret-of-32-characters!!";
export const REFERRER = "referrer-1";
export const PHONE: E164 = "+33600000001";
export const REFERRAL: E164 = "+33611111111";

export interface Setup {
  storage: StorageBackend;
  world: FakeWhatsApp;
  clock: ManualClock;
  transport: Transport;
  events: TransportEvent[];
}

const open: Transport[] = [];

afterEach(async () => {
  await Promise.all(open.splice(0).map((t) => t.close()));
});

export async function memoryStorage(): Promise<StorageBackend> {
  const storage = createMemoryStorage();
  await storage.init();
  return storage;
}

/**
 * A transport on the fake WhatsApp. The clock does not move on its own unless asked: a backoff
 * wait lasts until the test advances it.
 */
export async function setup(options: Partial<BaileysTransportOptions> & { storage?: StorageBackend; world?: FakeWhatsApp; clock?: ManualClock } = {}): Promise<Setup> {
  const storage = options.storage ?? (await memoryStorage());
  const clock = options.clock ?? new ManualClock("2026-01-05T10:00:00Z", { autoAdvance: false });
  const world = options.world ?? new FakeWhatsApp({ now: () => clock.now() });
  const { storage: _s, world: _w, clock: _c, ...rest } = options;
  const transport = createBaileysTransport({
    sessions: storage.sessions,
    leases: storage.leases,
    cipher: createSessionCipher({ secrets: [SECRET] }),
    clock,
    instanceId: "process-a",
    maxSessions: 10,
    idleTimeoutMs: 10 * 60_000,
    makeSocket: world.makeSocket,
    downloadMedia: fakeMediaDownloader,
    fetchWaVersion: async () => ({ version: [2, 3000, 1_000_000_001], isLatest: true }),
    random: () => 0.5, // no jitter
    // The fake's offline queue is drained within a tick unless a test slows it down.
    offlineQuietMs: 10,
    ...rest,
  });
  open.push(transport);
  const events: TransportEvent[] = [];
  transport.subscribe((event) => events.push(event));
  return { storage, world, clock, transport, events };
}

/** Lets pending ticks, microtasks and immediates run until `predicate` holds. */
export async function until(predicate: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    if (predicate()) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  // Real-time waits (a slow store, a timer of the transport's own) get two more seconds.
  for (let i = 0; i < 200; i++) {
    if (predicate()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

export async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
}

export async function linked(s: Setup, referrerUserId = REFERRER, phone = PHONE): Promise<FakeBaileysSocket> {
  await s.transport.connect(referrerUserId, { method: "qr" });
  await s.world.current(referrerUserId).linkFromPhone(phone);
  await until(() => s.transport.getState(referrerUserId).status === "connected", "connected");
  return s.world.current(referrerUserId);
}

/** A session entry as the transport stored it (encrypted, AAD `[sessionId, key]`), decrypted; undefined when none. */
export async function storedEntry(s: Setup, key: string, referrerUserId = REFERRER): Promise<unknown> {
  const entries = encryptedEntries(s.storage.sessions, createSessionCipher({ secrets: [SECRET] }), sessionIdOf(referrerUserId));
  return (await entries.read([key])).get(key);
}

export const linkStates = (s: Setup, referrerUserId = REFERRER) =>
  s.events.flatMap((e) => (e.type === "link" && e.referrerUserId === referrerUserId ? [e.state] : []));

