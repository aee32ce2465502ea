/**
 * `npm run bench`: how each run's cost follows the work due, not the history. For each storage
 * and history size (10k, 100k and 1M targets; MongoDB up to 100k), the same workload: 10
 * referrers, a history of finished loops, and 100 targets per referrer due now (the daily limit).
 * Measured per storage: storage calls and rows read per message sent (a counting wrapper around
 * the port), time per message sent, an idle enrollment run and an idle dispatch run, and the
 * reopen time. On the same MongoDB server, the seed's algorithm (`seed-algorithm.ts`) runs the
 * same workload, so the engine/seed ratio is measured. A table, then one JSON line.
 *
 * BENCH_SCALES=10000,100000 limits the sizes; BENCH_MONGO_MAX (default 100000) caps MongoDB's;
 * BENCH_STORAGES=sqlite,memory,mongodb,seed picks the stores; BENCH_DUE_PER_REFERRER (default 100)
 * sizes the due set (and the daily limit). BENCH_SCENARIOS (default scale,push,burst) picks the scenarios:
 * `push` is `POST /internal/referrals` at the 1,000th and 10,000th referral of one referrer, and
 * bulk feeds (`push.ts`); `burst` is one dispatch run of 1,000 senders × 5 on SQLite with
 * `/health` and `/ready` probed during it (`burst.ts`; BENCH_BURST_SENDERS to change the size).
 * BENCH_MONGO=ferretdb-pg runs MongoDB and the seed on FerretDB over a throw-away PostgreSQL
 * with the full workload; BENCH_MONGO_COMMANDS=1 and BENCH_PG_STATEMENTS=1 profile each MongoDB
 * dispatch run (`mongo.ts`).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { MongoClient } from "mongodb";
import type { StorageBackend } from "@relance/adapters";
import { createMemoryStorage } from "@relance/adapters";
import { createMongoStorage } from "@relance/adapters/mongodb";
import { createSqliteStorage } from "@relance/adapters/sqlite";
import { FAST, START, createHarness } from "../test/support/engine-harness.js";
import { countingStorage, type Counts } from "./counting-storage.js";
import { referrerId, seedMongo, seedSqlite, seedThroughPort, type Workload } from "./history.js";
import { SeedSender } from "./seed-algorithm.js";
import { MONGO_COMMANDS, dispatchProfile, startBenchMongo, type DispatchProfile } from "./mongo.js";
import { measurePushes, type PushFigures } from "./push.js";
import { measureBurst, type BurstFigures } from "./burst.js";

const REFERRERS = 10;
const DUE_PER_REFERRER = Number(process.env.BENCH_DUE_PER_REFERRER ?? 100);
const SCALES = (process.env.BENCH_SCALES ?? "10000,100000,1000000").split(",").map(Number);
const MONGO_MAX = Number(process.env.BENCH_MONGO_MAX ?? 100_000);
const STORAGES = (process.env.BENCH_STORAGES ?? "memory,sqlite,mongodb,seed").split(",");
const SCENARIOS = (process.env.BENCH_SCENARIOS ?? "scale,push,burst").split(",");

interface RunCost {
  calls: number;
  rows: number;
  ms: number;
}

interface Row {
  storage: string;
  targets: number;
  duePerReferrer: number;
  sent: number;
  callsPerMessage: number;
  rowsPerMessage: number;
  msPerMessage: number;
  idleEnrollment: RunCost;
  idleDispatch: RunCost;
  reopenMs: number | null;
}

const now = new Date(START);
const workload = (targets: number, due = DUE_PER_REFERRER): Workload => ({ referrers: REFERRERS, history: targets - REFERRERS * due, duePerReferrer: due });
/**
 * FerretDB v1 (SQLite) scans collections for most filtered queries: 10k targets take hours there.
 * Unless told otherwise, it gets a small workload of its own; a real MongoDB gets the full one.
 */
const FERRETDB_WORKLOAD = { targets: 2_000, due: 10 };
const cost = (counts: Counts, ms: number): RunCost => ({ calls: counts.calls, rows: counts.rows, ms: round(ms) });
const round = (value: number) => Math.round(value * 1000) / 1000;
const log = (text: string) => process.stderr.write(`${text}\n`);

interface Backend {
  name: string;
  /** Creates the store and seeds the workload's history and due set. */
  seed(load: Workload): Promise<void>;
  /** Opens the seeded store (a restarted process); null when nothing persists. */
  open(): Promise<StorageBackend>;
  persistent: boolean;
  cleanup(): Promise<void>;
}

async function measureEngine(backend: Backend, targets: number, due = DUE_PER_REFERRER, profile?: DispatchProfile): Promise<Row> {
  const load = workload(targets, due);
  let started = performance.now();
  await backend.seed(load);
  log(`  ${backend.name} ${targets}: seeded in ${((performance.now() - started) / 1000).toFixed(1)} s`);

  started = performance.now();
  const opened = await backend.open();
  await opened.init();
  await opened.targets.listDueReferrers(now, 1);
  const reopenMs = backend.persistent ? performance.now() - started : null;

  const counted = countingStorage(opened);
  const h = await createHarness({ ...FAST, maxMessagesPerDay: due }, counted.storage, START);
  await h.seedMessages(7);
  for (let r = 0; r < REFERRERS; r++) await h.addReferrer(referrerId(r), `+336000000${String(r).padStart(2, "0")}`);
  // The first pass reads every referral once and leaves a cursor per referrer, as the history's last pass did.
  log(`  ${backend.name} ${targets}: reopened in ${reopenMs?.toFixed(1) ?? "—"} ms, set up; warm-up enrollment`);
  const warm = await h.engine.runEnrollment();
  log(`  ${backend.name} ${targets}: idle enrollment, then dispatch`);
  if (warm.enrolled !== 0) throw new Error(`${backend.name}: warm-up enrolled ${warm.enrolled}`);

  counted.reset();
  started = performance.now();
  await h.engine.runEnrollment();
  const idleEnrollment = cost(counted.reset(), performance.now() - started);

  await profile?.reset();
  started = performance.now();
  const result = await h.engine.runDispatch();
  await h.engine.idle();
  const sendMs = performance.now() - started;
  const sendCounts = counted.reset();
  if (profile) log(await profile.report(`${backend.name} ${targets} dispatch`));
  if (process.env.BENCH_BY_METHOD) log(`  ${backend.name} ${targets}: calls by method ${JSON.stringify(sendCounts.byMethod)}`);
  if (result.sent !== REFERRERS * due) throw new Error(`${backend.name}: sent ${result.sent}, expected ${REFERRERS * due}`);

  h.clock.advance(60_000);
  started = performance.now();
  await h.engine.runDispatch();
  const idleDispatch = cost(counted.reset(), performance.now() - started);

  await h.engine.stop();
  await opened.close();
  await backend.cleanup();
  return {
    storage: backend.name,
    targets,
    duePerReferrer: due,
    sent: result.sent,
    callsPerMessage: round(sendCounts.calls / result.sent),
    rowsPerMessage: round(sendCounts.rows / result.sent),
    msPerMessage: round(sendMs / result.sent),
    idleEnrollment,
    idleDispatch,
    reopenMs: reopenMs === null ? null : round(reopenMs),
  };
}

function memoryBackend(): Backend {
  const storage = createMemoryStorage();
  return {
    name: "memory",
    persistent: false,
    async seed(load) {
      await storage.init();
      await seedThroughPort(storage, load, now);
    },
    open: async () => storage,
    cleanup: async () => {},
  };
}

async function sqliteBackend(): Promise<Backend> {
  const dataDir = await mkdtemp(join(tmpdir(), "relance-bench-"));
  const filename = join(dataDir, "relance.sqlite");
  return {
    name: "sqlite",
    persistent: true,
    async seed(load) {
      const schema = createSqliteStorage({ filename });
      await schema.init();
      await schema.close();
      seedSqlite(filename, load, now);
    },
    open: async () => createSqliteStorage({ filename }),
    cleanup: () => rm(dataDir, { recursive: true, force: true }),
  };
}

function mongoBackend(uri: string, kind: string, profile?: DispatchProfile): Backend {
  const dbName = `relance_bench_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  return {
    name: `mongodb (${kind})`,
    persistent: true,
    async seed(load) {
      const client = new MongoClient(uri);
      const storage = createMongoStorage({ client, dbName });
      await storage.init();
      await seedMongo(client.db(dbName), load, now);
      await profile?.afterSeed(dbName);
      await client.close();
    },
    open: async () => {
      const client = new MongoClient(uri, { monitorCommands: MONGO_COMMANDS });
      profile?.watch(client);
      return createMongoStorage({ client, dbName }, { closeClient: true });
    },
    async cleanup() {
      const client = new MongoClient(uri);
      await client.db(dbName).dropDatabase();
      await client.close();
    },
  };
}

async function measureSeed(uri: string, kind: string, targets: number, due = DUE_PER_REFERRER, profile?: DispatchProfile): Promise<Row> {
  const client = new MongoClient(uri, { monitorCommands: MONGO_COMMANDS });
  profile?.watch(client);
  const dbName = `relance_seed_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const db = client.db(dbName);
  try {
    const seed = new SeedSender(db, workload(targets, due), due);
    await seed.setUp(now);
    await profile?.afterSeed(dbName);
    log(`  seed ${targets}: set up; enrollment`);
    const send = async () => {};
    seed.reset();
    let started = performance.now();
    await seed.enroll(now);
    const enrollCounts = seed.reset();
    const idleEnrollment = { calls: enrollCounts.calls, rows: enrollCounts.docs, ms: round(performance.now() - started) };
    await profile?.reset();
    started = performance.now();
    const sent = await seed.dispatch(now, send);
    const sendMs = performance.now() - started;
    const sendCounts = seed.reset();
    if (profile) log(await profile.report(`seed ${targets} dispatch`));
    started = performance.now();
    await seed.dispatch(new Date(now.getTime() + 60_000), send);
    const idleCounts = seed.reset();
    const idleDispatch = { calls: idleCounts.calls, rows: idleCounts.docs, ms: round(performance.now() - started) };
    return {
      storage: `seed on mongodb (${kind})`,
      targets,
      duePerReferrer: due,
      sent,
      callsPerMessage: round(sendCounts.calls / sent),
      rowsPerMessage: round(sendCounts.docs / sent),
      msPerMessage: round(sendMs / sent),
      idleEnrollment,
      idleDispatch,
      reopenMs: null,
    };
  } finally {
    await db.dropDatabase().catch(() => undefined);
    await client.close();
  }
}

const rows: Row[] = [];
let pushes: PushFigures | null = null;
if (SCENARIOS.includes("push")) {
  log("push scenario (SQLite, over the service's routes)");
  pushes = await measurePushes([1_000, 10_000], [2_000, 20_000], log);
}
let burst: BurstFigures | null = null;
if (SCENARIOS.includes("burst")) {
  log("burst scenario (SQLite, the service listening, probed over HTTP)");
  burst = await measureBurst(Number(process.env.BENCH_BURST_SENDERS ?? 1_000), 5, log);
}
const server = await startBenchMongo(SCENARIOS.includes("scale") && (STORAGES.includes("mongodb") || STORAGES.includes("seed")));
const profile = dispatchProfile(server);
const smallMongo = !("skipped" in server) && server.kind === "ferretdb" && process.env.BENCH_MONGO_MAX === undefined;
const mongoRuns: Array<{ targets: number; due: number }> = smallMongo
  ? [FERRETDB_WORKLOAD]
  : SCALES.filter((targets) => targets <= MONGO_MAX).map((targets) => ({ targets, due: DUE_PER_REFERRER }));
try {
  for (const targets of SCENARIOS.includes("scale") ? SCALES : []) {
    log(`${targets} targets`);
    if (STORAGES.includes("memory")) rows.push(await measureEngine(memoryBackend(), targets));
    if (STORAGES.includes("sqlite")) rows.push(await measureEngine(await sqliteBackend(), targets));
  }
  if ("skipped" in server) {
    if (SCENARIOS.includes("scale")) log(`mongodb skipped: ${server.skipped}`);
  } else {
    if (smallMongo) log(`FerretDB: a workload of ${FERRETDB_WORKLOAD.targets} targets (BENCH_MONGO_MAX to override)`);
    for (const run of mongoRuns) {
      if (STORAGES.includes("mongodb")) rows.push(await measureEngine(mongoBackend(server.uri, server.kind, profile), run.targets, run.due, profile));
      if (STORAGES.includes("seed")) rows.push(await measureSeed(server.uri, server.kind, run.targets, run.due, profile));
    }
  }
} finally {
  if (!("skipped" in server)) await server.stop();
}

const pad = (value: unknown, width: number) => String(value).padStart(width);
const runCell = (run: RunCost) => `${pad(run.calls, 5)} / ${pad(run.rows, 6)} / ${pad(run.ms.toFixed(1), 8)}`;
console.log(`\n${REFERRERS} referrers, ${REFERRERS * DUE_PER_REFERRER} messages due per run (daily limit ${DUE_PER_REFERRER}; "sent" says otherwise), the rest of the targets a finished history.`);
console.log(`Rows: rows/documents returned by the storage's (and directory's) reads; writes count as calls only.\n`);
console.log(`${"storage".padEnd(28)}${pad("targets", 9)}${pad("sent", 6)}${pad("calls/msg", 11)}${pad("rows/msg", 10)}${pad("ms/msg", 9)}   ${"idle enrollment calls/rows/ms".padEnd(32)}${"idle dispatch calls/rows/ms".padEnd(32)}reopen ms`);
for (const r of rows) {
  console.log(
    `${r.storage.padEnd(28)}${pad(r.targets, 9)}${pad(r.sent, 6)}${pad(r.callsPerMessage.toFixed(2), 11)}${pad(r.rowsPerMessage.toFixed(2), 10)}${pad(r.msPerMessage.toFixed(3), 9)}   ${runCell(r.idleEnrollment).padEnd(32)}${runCell(r.idleDispatch).padEnd(32)}${r.reopenMs === null ? "—" : r.reopenMs.toFixed(1)}`,
  );
}

const find = (storage: string, targets: number) => rows.find((r) => r.storage === storage && r.targets === targets);
const ratios: Record<string, unknown> = {};
const sqliteSmall = find("sqlite", SCALES[0]!);
const sqliteLarge = find("sqlite", SCALES[SCALES.length - 1]!);
if (sqliteSmall && sqliteLarge && sqliteLarge !== sqliteSmall) {
  ratios.sqliteMsPerMessageLargestOverSmallest = round(sqliteLarge.msPerMessage / sqliteSmall.msPerMessage);
}
console.log("");
for (const { targets } of mongoRuns) {
  const engine = rows.find((r) => r.storage.startsWith("mongodb") && r.targets === targets);
  const seed = rows.find((r) => r.storage.startsWith("seed") && r.targets === targets);
  if (!engine || !seed) continue;
  const ratio = {
    msPerMessage: round(engine.msPerMessage / seed.msPerMessage),
    rowsPerMessage: round(engine.rowsPerMessage / seed.rowsPerMessage),
    idleEnrollmentRows: round(engine.idleEnrollment.rows / Math.max(1, seed.idleEnrollment.rows)),
    idleEnrollmentMs: round(engine.idleEnrollment.ms / seed.idleEnrollment.ms),
  };
  ratios[`engineOverSeedMongo${targets}`] = ratio;
  console.log(
    `engine / seed on MongoDB at ${targets} targets: time per message ×${ratio.msPerMessage}, rows per message ×${ratio.rowsPerMessage}, idle enrollment rows ×${ratio.idleEnrollmentRows}, time ×${ratio.idleEnrollmentMs} (load average ${loadavg().map((l) => l.toFixed(1)).join(" ")})`,
  );
}
if (ratios.sqliteMsPerMessageLargestOverSmallest !== undefined) {
  console.log(`SQLite time per message at ${SCALES[SCALES.length - 1]} / at ${SCALES[0]} targets: ×${ratios.sqliteMsPerMessageLargestOverSmallest}`);
}
if (pushes) {
  ratios.pushLatency10000Over1000 = round(pushes.medianMsAt[10_000]! / pushes.medianMsAt[1_000]!);
  ratios.feedTime20000Over2000 = round(pushes.feedSeconds[20_000]! / pushes.feedSeconds[2_000]!);
  console.log(
    `Push (POST /internal/referrals, 16 at a time, SQLite, median): ${pushes.medianMsAt[1_000]} ms at the 1,000th referral, ${pushes.medianMsAt[10_000]} ms at the 10,000th: ×${ratios.pushLatency10000Over1000}`,
  );
  console.log(
    `Feed in batches of 1,000: 2,000 referrals in ${pushes.feedSeconds[2_000]} s, 20,000 in ${pushes.feedSeconds[20_000]} s: ×${ratios.feedTime20000Over2000}`,
  );
}
if (burst) {
  ratios.burstSendsPerSecond = burst.sendsPerSecond;
  ratios.burstProbeP99Ms = Math.max(burst.healthMs.p99, burst.readyMs.p99);
  console.log(
    `Burst (${burst.senders} senders × 5, SQLite): ${burst.sent} sent in ${burst.seconds} s, ${burst.sendsPerSecond} sends/s (CPU ${burst.cpuSeconds} s: ${burst.sendsPerCpuSecond} sends per CPU-second; ${burst.callsPerSend} storage calls per send; load average ${loadavg()[0]!.toFixed(1)}); during it /health p50 ${burst.healthMs.p50} ms, p99 ${burst.healthMs.p99} ms, max ${burst.healthMs.max} ms; /ready p50 ${burst.readyMs.p50} ms, p99 ${burst.readyMs.p99} ms, max ${burst.readyMs.max} ms (${burst.probes} probes); event-loop delay p50 ${burst.loopDelayMs.p50} ms, p99 ${burst.loopDelayMs.p99} ms, max ${burst.loopDelayMs.max} ms`,
  );
}
console.log(JSON.stringify({ bench: "relance-scale", referrers: REFERRERS, duePerRun: REFERRERS * DUE_PER_REFERRER, rows, pushes, burst, ratios }));
