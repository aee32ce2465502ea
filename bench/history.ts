import { closeSync, fsyncSync, openSync } from "node:fs";
import Database from "better-sqlite3";
import type { Db } from "mongodb";
import type { Referral, Target } from "@relance/core";
import type { StorageBackend } from "@relance/adapters";
import { encode } from "../packages/adapters/src/storage/sqlite/codec.js";
import { DEFAULT_COLLECTION_NAMES } from "../packages/adapters/src/storage/mongodb/index.js";
import { toTargetDocument } from "../packages/adapters/src/storage/mongodb/target-mapping.js";
import { referralDocument } from "../packages/adapters/src/storage/shared/directory-documents.js";

export const DAY_MS = 24 * 3_600_000;

/** The workload's shape: `referrers` referrers, each with the same share of the history. */
export interface Workload {
  referrers: number;
  /** Targets whose loop is over (completed, 7 messages), and their referrals: the history. */
  history: number;
  /** Active targets due now, per referrer: the work of one dispatch run (the daily limit). */
  duePerReferrer: number;
}

export const referrerId = (r: number) => `ref-${r}`;

export function referralOf(r: number, i: number, now: Date, kind: "h" | "d"): Referral {
  const userId = `${kind}-${r}-${i}`;
  return {
    userId,
    referrerId: referrerId(r),
    phone: `+33${kind === "h" ? 6 : 7}${String(r).padStart(2, "0")}${String(i).padStart(6, "0")}`,
    name: `Client ${userId}`,
    language: "fr",
    createdAt: new Date(now.getTime() - 30 * DAY_MS),
    paid: false,
    paymentLink: `https://pay.example.com/${userId}`,
  };
}

export function targetOf(referral: Referral, now: Date, kind: "h" | "d"): Target {
  const entered = new Date(now.getTime() - (kind === "h" ? 20 : 1) * DAY_MS);
  const deliveries =
    kind === "h"
      ? Array.from({ length: 7 }, (_, d) => ({ day: d + 1, sentAt: new Date(entered.getTime() + d * DAY_MS), status: "read" as const, messageId: `m-${referral.userId}-${d + 1}` }))
      : [];
  return {
    id: `${kind === "h" ? "t0" : "t1"}-${referral.referrerId}-${referral.userId}`,
    referrerUserId: referral.referrerId,
    referralUserId: referral.userId,
    status: kind === "h" ? "completed" : "active",
    currentDay: kind === "h" ? 8 : 1,
    nextMessageDue: kind === "h" ? null : new Date(now.getTime() - 60_000),
    language: "fr",
    contact: { phone: referral.phone, name: referral.name, paymentLink: referral.paymentLink },
    messagesDelivered: deliveries,
    failedAttempts: 0,
    lastSentDay: kind === "h" ? 7 : null,
    enteredLoopAt: entered,
    exitedLoopAt: kind === "h" ? new Date(entered.getTime() + 6 * DAY_MS) : null,
    exitReason: kind === "h" ? "completed_7_days" : null,
    claim: null,
    revision: kind === "h" ? 14 : 0,
    updatedAt: entered,
  };
}

/** Every (referral, target) of the workload, history first: `h-*` done, `d-*` due now. */
export function* records(workload: Workload, now: Date): Generator<{ referral: Referral; target: Target }> {
  const perReferrer = Math.ceil(workload.history / workload.referrers);
  for (let r = 0; r < workload.referrers; r++) {
    for (let i = 0; i < perReferrer; i++) {
      const referral = referralOf(r, i, now, "h");
      yield { referral, target: targetOf(referral, now, "h") };
    }
    for (let i = 0; i < workload.duePerReferrer; i++) {
      const referral = referralOf(r, i, now, "d");
      yield { referral, target: targetOf(referral, now, "d") };
    }
  }
}

/** Through the port, one call per record: the memory store (which has no bulk path). */
export async function seedThroughPort(storage: StorageBackend, workload: Workload, now: Date): Promise<void> {
  for (const { referral, target } of records(workload, now)) {
    await storage.directory.upsertReferral(referral);
    await storage.targets.insertIfAbsent(target);
  }
}

/** In bulk into the SQLite file, in the adapter's own format (the bench seeds years of history in seconds). */
export function seedSqlite(filename: string, workload: Workload, now: Date): void {
  const db = new Database(filename);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = OFF");
  const insertTarget = db.prepare("INSERT INTO targets (id, doc) VALUES (?, ?)");
  const insertReferral = db.prepare("INSERT INTO directory_referrals (referrerId, userId, doc, createdAt, seq) VALUES (?, ?, ?, ?, ?)");
  let seq = 0;
  const batch = db.transaction((items: Array<{ referral: Referral; target: Target }>) => {
    for (const { referral, target } of items) {
      const { _id, ...doc } = referralDocument(referral);
      insertReferral.run(referral.referrerId, referral.userId, encode(doc), referral.createdAt.getTime(), ++seq);
      insertTarget.run(target.id, encode(target));
    }
  });
  let items: Array<{ referral: Referral; target: Target }> = [];
  for (const record of records(workload, now)) {
    items.push(record);
    if (items.length === 10_000) {
      batch(items);
      items = [];
    }
  }
  batch(items);
  db.pragma("wal_checkpoint(TRUNCATE)");
  db.close();
  // Written without a sync (synchronous = OFF): at 1M targets part of the 1.6 GB was still being
  // written out when the measured run began, and the run's fsyncs (the WAL's before each
  // acknowledgement, a checkpoint's of the database file) waited for it: 0.3-1.3 s, and up to
  // ×1.9 per message (issue 20). A history is on the disk already: synced here, in the seed's time.
  const fd = openSync(filename, "r+");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** In bulk into MongoDB, in the adapter's own documents. */
export async function seedMongo(db: Db, workload: Workload, now: Date): Promise<void> {
  const targets = db.collection(DEFAULT_COLLECTION_NAMES.targets);
  const referrals = db.collection(DEFAULT_COLLECTION_NAMES.directoryReferrals);
  let batch: Array<{ referral: Referral; target: Target }> = [];
  // Sign-ups a minute apart, long before the run, as the pushes of a real history would be stamped.
  const firstPush = Date.now() - 400 * DAY_MS;
  let pushed = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    await referrals.insertMany(batch.map(({ referral }) => ({ ...referralDocument(referral), changedAt: new Date(firstPush + 60_000 * pushed++) })) as never[], { ordered: false });
    await targets.insertMany(batch.map(({ target }) => toTargetDocument(target)) as never[], { ordered: false });
    batch = [];
  };
  for (const record of records(workload, now)) {
    batch.push(record);
    if (batch.length === 2_000) await flush();
  }
  await flush();
}
