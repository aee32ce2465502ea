import { spawn, type ChildProcess } from "node:child_process";
import { accessSync, constants as fsConstants } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { freePort } from "./free-port.js";
import { homedir, tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { MongoClient } from "mongodb";

/** A MongoDB-protocol server the tests may use; `stop` ends whatever this module started. */
export interface TestMongo {
  uri: string;
  /** A database name fixed by the environment, when there is one; tests otherwise pick their own. */
  dbName?: string;
  kind: "env" | "ferretdb" | "memory-server";
  stop(): Promise<void>;
}

export type TestMongoResult = TestMongo | { skipped: string };

export const FERRETDB_VERSION = "v1.24.2";

const READY_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 5_000;
const MEMORY_SERVER_TIMEOUT_MS = 60_000;
const DOWNLOAD_PROBE_TIMEOUT_MS = 3_000;

/**
 * `MONGODB_URI` when set; else a FerretDB binary (`FERRETDB_BIN`, PATH, or the cache that
 * `.ci/ferretdb.sh` fills) on a free port with SQLite in a temp dir; else mongodb-memory-server
 * (needs to download a mongod); else a reason to skip.
 */
export async function startTestMongo(): Promise<TestMongoResult> {
  const fromEnv = process.env.MONGODB_URI;
  if (fromEnv) return { uri: fromEnv, dbName: databaseOf(fromEnv), kind: "env", stop: async () => {} };

  const reasons: string[] = [];
  const ferretdb = findFerretDB();
  if (ferretdb.path === null) {
    reasons.push(ferretdb.reason);
  } else {
    try {
      return await startFerretDB(ferretdb.path);
    } catch (error) {
      reasons.push(`FerretDB at ${ferretdb.path} did not start: ${messageOf(error)}`);
    }
  }

  try {
    return await startMemoryServer();
  } catch (error) {
    reasons.push(`mongodb-memory-server failed: ${messageOf(error)}`);
  }

  const skipped =
    "NO MONGODB SERVER AVAILABLE — set MONGODB_URI, or run .ci/ferretdb.sh (needs Go) " +
    `to build FerretDB ${FERRETDB_VERSION}. ${reasons.join(" | ").replace(/\s+/g, " ")}`;
  // CI sets this: there the MongoDB suites must really run, a skip would hide a broken set-up.
  if (process.env.RELANCE_REQUIRE_MONGODB === "1") throw new Error(`RELANCE_REQUIRE_MONGODB=1 but ${skipped}`);
  return { skipped };
}

/** Where `.ci/ferretdb.sh` puts the binary. */
export function ferretdbCachePath(): string {
  const cacheDir = process.env.RELANCE_CACHE_DIR ?? join(homedir(), ".cache", "relance");
  return join(cacheDir, `ferretdb-${FERRETDB_VERSION}`, "ferretdb");
}

export function findFerretDB(): { path: string } | { path: null; reason: string } {
  const explicit = process.env.FERRETDB_BIN;
  if (explicit) {
    return isExecutable(explicit) ? { path: explicit } : { path: null, reason: `FERRETDB_BIN=${explicit} is not an executable file` };
  }
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (dir && isExecutable(join(dir, "ferretdb"))) return { path: join(dir, "ferretdb") };
  }
  const cached = ferretdbCachePath();
  if (isExecutable(cached)) return { path: cached };
  return { path: null, reason: `no ferretdb binary (FERRETDB_BIN unset, none on PATH, none at ${cached})` };
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

async function startFerretDB(binary: string): Promise<TestMongo> {
  // The free port may be taken between our probe and FerretDB's bind; a few attempts cover it.
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt += 1) {
    try {
      return await startFerretDBOnce(binary);
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}

async function startFerretDBOnce(binary: string): Promise<TestMongo> {
  const dir = await mkdtemp(join(tmpdir(), "relance-ferretdb-"));
  await mkdir(join(dir, "data"));
  const port = await freePort();
  // FerretDB runs under a watchdog holding our end of a pipe: when this process dies, even by
  // SIGKILL, the pipe closes and the watchdog stops FerretDB and removes its data, so nothing
  // outlives the tests.
  const child = spawn(process.execPath, ["-e", WATCHDOG, dir, binary, ...ferretdbArgs(dir, port)], {
    env: { ...process.env, DO_NOT_TRACK: "1" },
    stdio: ["pipe", "ignore", "pipe"],
  });
  const stderr = stderrTail(child);

  const stop = async () => {
    await terminate(child);
    await rm(dir, { recursive: true, force: true });
  };

  /*
   * FerretDB v1 runs findAndModify / update as "query, then write by _id" without re-checking the
   * filter, so two connections racing on one document both "win" (lost updates, caps exceeded).
   * One connection per client serialises every command, which is what the adapter's
   * single-document atomicity assumes of a real MongoDB server.
   */
  const uri = `mongodb://127.0.0.1:${port}/?directConnection=true&maxPoolSize=1`;
  try {
    await waitUntilReady(uri, child, stderr);
  } catch (error) {
    await stop();
    throw error;
  }
  return { uri, kind: "ferretdb", stop };
}

/**
 * `node -e WATCHDOG <dir> <command> <args...>`: runs the command, stops it (TERM, then KILL) when
 * stdin closes or on SIGTERM, then deletes `dir` and exits with the command's code.
 */
const WATCHDOG = `
const { spawn } = require("node:child_process");
const { rmSync } = require("node:fs");
const [dir, command, ...args] = process.argv.slice(1);
const child = spawn(command, args, { stdio: ["ignore", "ignore", "inherit"] });
let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  child.kill("SIGTERM");
  setTimeout(() => child.kill("SIGKILL"), ${STOP_TIMEOUT_MS}).unref();
};
process.stdin.on("end", stop).on("error", stop).resume();
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
const exit = (code) => {
  rmSync(dir, { recursive: true, force: true });
  process.exit(code);
};
child.on("error", (error) => { console.error(String(error)); exit(127); });
child.on("exit", (code, signal) => exit(code ?? (signal ? 1 : 0)));
`;

/** Flags of FerretDB v1.24: SQLite backend, no debug HTTP listener, no telemetry beacon. */
export function ferretdbArgs(dir: string, port: number): string[] {
  return [
    "--handler=sqlite",
    `--sqlite-url=file:${join(dir, "data")}/`,
    `--state-dir=${dir}`,
    `--listen-addr=127.0.0.1:${port}`,
    "--debug-addr=-",
    "--telemetry=disable",
    "--log-level=error",
  ];
}

/** The last 4,000 characters a child process wrote to stderr, for the error that says why it did not start. */
export function stderrTail(child: ChildProcess): () => string {
  let text = "";
  child.stderr?.setEncoding("utf8");
  child.stderr?.on("data", (chunk: string) => {
    text = (text + chunk).slice(-4_000);
  });
  return () => text.trim();
}

async function waitUntilReady(uri: string, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`exited with ${child.exitCode ?? child.signalCode}: ${stderr()}`);
    }
    const client = new MongoClient(uri, { serverSelectionTimeoutMS: 500, connectTimeoutMS: 500 });
    try {
      await client.db("admin").command({ ping: 1 });
      return;
    } catch (error) {
      lastError = error;
    } finally {
      await client.close().catch(() => {});
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`not answering a ping after ${READY_TIMEOUT_MS} ms (${messageOf(lastError)}): ${stderr()}`);
}

async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.stdin?.end();
  // The watchdog escalates to SIGKILL itself; this only covers a watchdog that hangs.
  const timer = setTimeout(() => child.kill("SIGKILL"), 2 * STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

/**
 * Without a mongod in its cache, mongodb-memory-server downloads one: on a machine without
 * internet that is a long wait for a certain failure, so the download host is probed first.
 */
async function ensureMongodObtainable(): Promise<void> {
  const { DryMongoBinary } = await import("mongodb-memory-server-core");
  if (await DryMongoBinary.locateBinary(await DryMongoBinary.generateOptions())) return;
  const host = new URL(process.env.MONGOMS_DOWNLOAD_URL ?? process.env.MONGOMS_DOWNLOAD_MIRROR ?? "https://fastdl.mongodb.org").origin;
  try {
    await fetch(host, { method: "HEAD", signal: AbortSignal.timeout(DOWNLOAD_PROBE_TIMEOUT_MS) });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? messageOf(error);
    throw new Error(`no cached mongod, and its download host ${host} is unreachable (${cause})`);
  }
}

async function startMemoryServer(): Promise<TestMongo> {
  await ensureMongodObtainable();
  const { MongoMemoryServer } = await import("mongodb-memory-server-core");
  const creating = MongoMemoryServer.create();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no mongod after ${MEMORY_SERVER_TIMEOUT_MS} ms`)), MEMORY_SERVER_TIMEOUT_MS);
  });
  try {
    const server = await Promise.race([creating, timeout]);
    return { uri: server.getUri(), kind: "memory-server", stop: async () => void (await server.stop({ doCleanup: true })) };
  } catch (error) {
    // A create() that finishes after the timeout must still not leave a mongod behind.
    void creating.then((late) => late.stop({ doCleanup: true })).catch(() => {});
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

function databaseOf(uri: string): string | undefined {
  const match = /^mongodb(?:\+srv)?:\/\/[^/]+\/([^?]+)/.exec(uri);
  return match?.[1] ? decodeURIComponent(match[1]) : undefined;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
