import { createRelanceEngine, type MessageInput, type RelanceEngine, type RelanceOptions } from "@relance/core";
import type { StorageBackend } from "@relance/adapters";
import { LogNotifier, ManualClock, ManualScheduler, SandboxTransport, StoredDirectory, createMemoryStorage } from "@relance/adapters";

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
/** A Monday, 09:00 in Paris (winter time). */
export const START = "2026-01-05T08:00:00.000Z";

export interface Harness {
  engine: RelanceEngine;
  clock: ManualClock;
  storage: StorageBackend;
  transport: SandboxTransport;
  directory: StoredDirectory;
  notifier: LogNotifier;
  scheduler: ManualScheduler;
  /** A second process on the same storage and the same simulated WhatsApp. */
  spawnProcess(options?: Partial<RelanceOptions>): RelanceEngine;
  /** Subscription + linked sandbox session for a referrer. */
  addReferrer(referrerUserId: string, phone: string, name?: string): Promise<void>;
  /** A referral that signed up `ageMs` ago. */
  addReferral(referrerId: string, userId: string, phone: string, extra?: Partial<{ name: string; language: string | null; paid: boolean; ageMs: number; paymentLink: string }>): Promise<void>;
  seedMessages(days?: number, extra?: Partial<MessageInput>): Promise<void>;
  /** Runs dispatch, then lets transport events settle. */
  dispatch(engine?: RelanceEngine): Promise<Awaited<ReturnType<RelanceEngine["runDispatch"]>>>;
}

/** Deterministic randomness for jitter and ids. */
export function seededRandom(seed = 42): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/**
 * Human pacing (45-120 s between first contacts, each referrer's day starting at its own offset
 * in the window) would make every older test wait for minutes or hours of simulated time, and
 * sender health would hold every sender whose test delivers no receipt: off unless a test sets them.
 */
export const NO_HUMAN_PACING: Partial<RelanceOptions> = { firstContactGapMinMs: 0, firstContactGapMaxMs: 0, dayStartSpreadMs: 0, senderHealth: false };

export const FAST: Partial<RelanceOptions> = { messageDelayMs: 0, messageJitterMs: 0, typingMs: 0, ...NO_HUMAN_PACING };

/**
 * The ramp-up after a new link and the first-contact cap would cap every older test at 20-25
 * sends a day: they are off unless a test sets them.
 */
export const NO_NEW_ACCOUNT_LIMITS: Partial<RelanceOptions> = { dailyCapRampUp: [], maxFirstContactsPerDay: 1_000_000 };

export async function createHarness(
  options: Partial<RelanceOptions> = FAST,
  storage: StorageBackend = createMemoryStorage(),
  start: string = START,
): Promise<Harness> {
  await storage.init();
  const clock = new ManualClock(start);
  const transport = new SandboxTransport({ clock, renderQr: false });
  const directory = new StoredDirectory(storage.directory, clock);
  const notifier = new LogNotifier();
  const scheduler = new ManualScheduler();
  const build = (extra: Partial<RelanceOptions> = {}, seed = 42) =>
    createRelanceEngine({ storage, directory, transport, clock, notifier, scheduler, options: { ...NO_NEW_ACCOUNT_LIMITS, ...NO_HUMAN_PACING, ...options, ...extra }, random: seededRandom(seed) });
  const engine = build({ instanceId: "process-a" });
  let processes = 0;
  const harness: Harness = {
    engine,
    clock,
    storage,
    transport,
    directory,
    notifier,
    scheduler,
    spawnProcess: (extra = {}) => build({ instanceId: `process-${++processes + 1}`, ...extra }, 1000 + processes),
    async addReferrer(referrerUserId, phone, name = "Jean Martin") {
      await directory.setSubscription({ userId: referrerUserId, active: true, name, phone });
      await engine.connect(referrerUserId, { method: "qr" });
      transport.link(referrerUserId, phone);
      await engine.idle();
    },
    async addReferral(referrerId, userId, phone, extra = {}) {
      await directory.upsertReferral({
        userId,
        referrerId,
        phone,
        name: extra.name ?? `Client ${userId}`,
        language: extra.language === undefined ? "fr" : extra.language,
        createdAt: new Date(clock.now().getTime() - (extra.ageMs ?? 2 * HOUR)),
        paid: extra.paid ?? false,
        paymentLink: extra.paymentLink ?? `https://pay.example.com/${userId}`,
      });
    },
    async seedMessages(days = 7, extra = {}) {
      for (let day = 1; day <= days; day++) {
        await engine.messages.upsert({
          dayNumber: day,
          messageTemplate: { fr: `Jour {{day}}/{{totalDays}} : bonjour {{firstName}}`, en: `Day {{day}}/{{totalDays}}: hello {{firstName}}` },
          ...extra,
        });
      }
    },
    async dispatch(target = engine) {
      const result = await target.runDispatch();
      await target.idle();
      return result;
    },
  };
  return harness;
}

/**
 * The usual starting point: seven day messages, referrer `ref-1` subscribed and linked, and
 * `referrals` referrals (`user-<i>`, `+336111111<ii>`) enrolled.
 */
export async function enrolledHarness(referrals: number, options: Partial<RelanceOptions> = {}, storage?: StorageBackend): Promise<Harness> {
  const h = await createHarness({ ...FAST, ...options }, storage);
  await h.seedMessages(7);
  await h.addReferrer("ref-1", "+33600000001");
  for (let i = 0; i < referrals; i++) await h.addReferral("ref-1", `user-${i}`, `+336111111${String(i).padStart(2, "0")}`);
  await h.engine.runEnrollment();
  return h;
}
