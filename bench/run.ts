/**
 * `npm run bench`: the same workload on every storage adapter, in one run, with ratios to the
 * in-memory store. Workload: enrollment of 10 referrers × 50 referrals, a dispatch run sending
 * all 500 day-1 messages (no pacing), then 20 dispatch runs with nothing due (the per-minute cost).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MongoClient } from "mongodb";
import type { RelanceStorage } from "@relance/core";
import { createMemoryStorage, createMongoStorage, createSqliteStorage } from "@relance/adapters";
import { FAST, HOUR, createHarness } from "../test/support/engine-harness";
import { startTestMongo } from "../test/support/mongo-server";

const REFERRERS = 10;
const REFERRALS = 50;
const IDLE_RUNS = 20;

interface Result {
  storage: string;
  enrollMs: number;
  dispatchMs: number;
  idleRunMs: number;
}

async function measure(name: string, storage: RelanceStorage): Promise<Result> {
  const h = await createHarness(FAST, storage);
  await h.seedMessages(7);
  for (let r = 0; r < REFERRERS; r++) {
    await h.addReferrer(`ref-${r}`, `+336000000${String(r).padStart(2, "0")}`);
    for (let i = 0; i < REFERRALS; i++) await h.addReferral(`ref-${r}`, `u-${r}-${i}`, `+337${String(r).padStart(2, "0")}${String(i).padStart(6, "0")}`);
  }
  let started = performance.now();
  const enrolled = await h.engine.runEnrollment();
  const enrollMs = performance.now() - started;
  started = performance.now();
  const sent = await h.engine.runDispatch();
  const dispatchMs = performance.now() - started;
  if (enrolled.enrolled !== REFERRERS * REFERRALS || sent.sent !== REFERRERS * REFERRALS) {
    throw new Error(`${name}: expected ${REFERRERS * REFERRALS} enrolled and sent, got ${enrolled.enrolled} / ${sent.sent}`);
  }
  h.clock.advance(HOUR);
  started = performance.now();
  for (let i = 0; i < IDLE_RUNS; i++) await h.engine.runDispatch();
  const idleRunMs = (performance.now() - started) / IDLE_RUNS;
  await h.engine.stop();
  await storage.close();
  return { storage: name, enrollMs, dispatchMs, idleRunMs };
}

const results: Result[] = [];
const cleanups: Array<() => Promise<unknown>> = [];
try {
  results.push(await measure("memory", createMemoryStorage()));
  const dataDir = await mkdtemp(join(tmpdir(), "relance-bench-"));
  cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
  results.push(await measure("sqlite", createSqliteStorage({ dataDir })));
  const server = await startTestMongo();
  if ("skipped" in server) {
    console.warn(`mongodb skipped: ${server.skipped}`);
  } else {
    cleanups.push(() => server.stop());
    const client = new MongoClient(server.uri);
    results.push(await measure(`mongodb (${server.kind})`, createMongoStorage({ client, dbName: `relance_bench_${process.pid}` }, { closeClient: true })));
  }
} finally {
  for (const cleanup of cleanups.reverse()) await cleanup();
}

const base = results[0]!;
const cell = (ms: number, baseMs: number) => `${ms.toFixed(1).padStart(9)} ms  ×${(ms / baseMs).toFixed(1).padEnd(5)}`;
console.log(`\n${REFERRERS * REFERRALS} targets; ratios are to the memory store (lower is faster)\n`);
console.log(`${"storage".padEnd(22)}${"enrollment".padEnd(22)}${"dispatch 500 sends".padEnd(22)}idle dispatch run`);
for (const r of results) {
  console.log(`${r.storage.padEnd(22)}${cell(r.enrollMs, base.enrollMs)}${cell(r.dispatchMs, base.dispatchMs)}${cell(r.idleRunMs, base.idleRunMs)}`);
}
