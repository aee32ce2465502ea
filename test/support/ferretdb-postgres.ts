import { execFile, execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, chown, mkdtemp, readdir, rm } from "node:fs/promises";
import { freePort } from "./free-port.js";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { findFerretDB, stderrTail, type TestMongo } from "./mongo-server.js";

/*
 * FerretDB v1.24 over a throw-away PostgreSQL, for `BENCH_MONGO=ferretdb-pg npm run bench` only:
 * no test and no CI step uses it. Its SQLite backend pushes down only a filter that is exactly
 * `{_id: v}` and decodes every document of the collection in Go for any other; its PostgreSQL
 * backend (internal/backends/postgresql/query.go, prepareWhereClause) pushes every top-level
 * scalar equality down as `_jsonb->'field' @> 'value'`. PostgreSQL's btree indexes (FerretDB's
 * `_id` one included) cannot serve `@>`, so those SELECTs still scan the table, but in C, without
 * decoding the rows that do not match; the write by `_id` that follows (`_jsonb->'_id' = $2`)
 * uses the index. Neither is a real MongoDB: see docs/storage.md.
 */

export interface FerretDBOnPostgres extends Omit<TestMongo, "kind"> {
  kind: "ferretdb-pg";
  /** Clears pg_stat_statements. */
  resetStatements(): Promise<void>;
  /** The statements that took the most time since the last reset, one line each. */
  topStatements(limit?: number): Promise<string>;
  /**
   * Not FerretDB's: adds a GIN index on `_jsonb->'_id'` to every collection table of `database`
   * (a PostgreSQL schema) that lacks one, so the pushed-down `_jsonb->'_id' @> value` of a
   * conditional update reads one row through an index, as MongoDB's `_id` index would. Returns
   * how many were created. For the bench only: FerretDB neither creates nor knows them.
   */
  indexIdsWithGin(database: string): Promise<number>;
}

const READY_TIMEOUT_MS = 30_000;
const execFileAsync = promisify(execFile);

/** PostgreSQL's server binaries: `POSTGRES_BIN_DIR`, else the newest /usr/lib/postgresql/<n>/bin, else PATH. */
async function findPostgresBin(): Promise<string> {
  const explicit = process.env.POSTGRES_BIN_DIR;
  if (explicit) return explicit;
  const root = "/usr/lib/postgresql";
  if (existsSync(root)) {
    const versions = (await readdir(root)).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
    for (const version of versions) if (existsSync(join(root, version, "bin", "initdb"))) return join(root, version, "bin");
  }
  return "";
}

/**
 * initdb refuses to run as root: as root the cluster belongs to `POSTGRES_USER` (default
 * `postgres`, the account Debian's package creates), its binaries run under that uid.
 */
function clusterOwner(): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  const user = process.env.POSTGRES_USER ?? "postgres";
  const id = (flag: string) => Number(execFileSync("id", [flag, user], { encoding: "utf8" }).trim());
  try {
    return { uid: id("-u"), gid: id("-g") };
  } catch {
    throw new Error(`running as root and no user ${user} to own the PostgreSQL cluster (set POSTGRES_USER)`);
  }
}

export interface FerretDBOnPostgresOptions {
  /** PostgreSQL settings for its command line (`-c name=value`), e.g. `synchronous_commit=off`. */
  settings?: readonly string[];
  /**
   * The URI's `maxPoolSize` (default 1). FerretDB's findAndModify is a SELECT, then an UPDATE by
   * `_id` without the filter (internal/handler/msg_findandmodify.go, common/update.go), not atomic
   * across connections: one connection serialises every command, so a conditional update is
   * what the adapter assumes. More connections are only sound for a client that never has two
   * commands in flight on one document (one engine: each sender owns its referrer's targets
   * and counters), and show what a pooled client gains from its concurrent senders.
   */
  poolSize?: number;
}

export async function startFerretDBOnPostgres({ settings = [], poolSize = 1 }: FerretDBOnPostgresOptions = {}): Promise<FerretDBOnPostgres> {
  const ferretdb = findFerretDB();
  if (ferretdb.path === null) throw new Error(ferretdb.reason);
  const bin = await findPostgresBin();
  const tool = (name: string) => (bin ? join(bin, name) : name);
  const owner = clusterOwner();
  const dir = await mkdtemp(join(tmpdir(), "relance-ferretdb-pg-"));
  if (owner) await chown(dir, owner.uid, owner.gid);
  await chmod(dir, 0o700);
  const [pgPort, port] = [await freePort(), await freePort()];
  const asOwner = owner ? { uid: owner.uid, gid: owner.gid } : {};

  await execFileAsync(tool("initdb"), ["-D", join(dir, "pg"), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"], {
    ...asOwner,
    cwd: dir,
  });
  const statements = existsSync(join(bin, "..", "lib", "pg_stat_statements.so"));
  // Both servers run under a watchdog holding our end of a pipe: when this process dies, even by
  // SIGKILL, the pipe closes and the watchdog stops them and removes the cluster.
  const child = spawn(
    process.execPath,
    ["-e", WATCHDOG, dir, JSON.stringify(asOwner), tool("postgres"), ferretdb.path, String(pgPort), String(port), statements ? "1" : "0", JSON.stringify(settings)],
    { env: { ...process.env, DO_NOT_TRACK: "1" }, stdio: ["pipe", "ignore", "pipe"] },
  );
  const stderr = stderrTail(child);
  const stop = () => terminate(child);
  const psql = async (sql: string) =>
    (await execFileAsync(tool("psql"), ["-h", "127.0.0.1", "-p", String(pgPort), "-U", "postgres", "-d", "ferretdb", "-AtX", "-F", " | ", "-c", sql], { cwd: dir })).stdout;

  try {
    await waitFor(async () => {
      await psql("SELECT 1").catch(async (error: unknown) => {
        // The database FerretDB connects to: created once the cluster answers.
        if (!String(error).includes('database "ferretdb" does not exist')) throw error;
        await execFileAsync(tool("createdb"), ["-h", "127.0.0.1", "-p", String(pgPort), "-U", "postgres", "ferretdb"], { cwd: dir });
      });
    }, child, stderr);
    if (statements) await psql("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
    child.stdin?.write(`start\n`);
    const { MongoClient } = await import("mongodb");
    const uri = `mongodb://127.0.0.1:${port}/?directConnection=true&maxPoolSize=${Math.max(1, Math.floor(poolSize))}`;
    await waitFor(async () => {
      const client = new MongoClient(uri, { serverSelectionTimeoutMS: 500, connectTimeoutMS: 500 });
      try {
        await client.db("admin").command({ ping: 1 });
      } finally {
        await client.close().catch(() => {});
      }
    }, child, stderr);
    return {
      uri,
      kind: "ferretdb-pg",
      stop,
      resetStatements: async () => {
        if (statements) await psql("SELECT pg_stat_statements_reset()");
      },
      indexIdsWithGin: async (database) => {
        const tables = (
          await psql(
            `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = '${database.replace(/'/g, "''")}' ` +
              `AND c.relkind = 'r' AND c.relname NOT LIKE '\\_ferretdb\\_%' AND NOT EXISTS (SELECT 1 FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid ` +
              `WHERE i.indrelid = c.oid AND ic.relname LIKE '%\\_id\\_gin')`,
          )
        )
          .split("\n")
          .filter(Boolean);
        for (const table of tables) {
          const quoted = `"${database.replace(/"/g, '""')}"."${table.replace(/"/g, '""')}"`;
          await psql(`CREATE INDEX "${table.replace(/"/g, '""')}_id_gin" ON ${quoted} USING gin ((_jsonb->'_id')); ANALYZE ${quoted}`);
        }
        return tables.length;
      },
      topStatements: async (limit = 12) =>
        statements
          ? psql(
              `SELECT calls, round(total_exec_time::numeric, 1) AS total_ms, round(mean_exec_time::numeric, 3) AS mean_ms, rows, ` +
                `left(regexp_replace(query, '\\s+', ' ', 'g'), 160) FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT ${Number(limit)}`,
            )
          : "pg_stat_statements not available",
    };
  } catch (error) {
    await stop();
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

/**
 * `node -e WATCHDOG <dir> <owner json> <postgres> <ferretdb> <pg port> <port> <statements 0|1> <settings json>`:
 * starts PostgreSQL on the cluster in <dir>/pg, and FerretDB once "start" arrives on stdin (the
 * database exists then); when stdin closes or on SIGTERM, stops FerretDB, then PostgreSQL (fast
 * shutdown: SIGINT), deletes <dir> and exits.
 */
const WATCHDOG = `
const { spawn } = require("node:child_process");
const { rmSync } = require("node:fs");
const { join } = require("node:path");
const [dir, ownerJson, postgres, ferretdb, pgPort, port, statements, settings] = process.argv.slice(1);
const owner = JSON.parse(ownerJson);
const pgArgs = ["-D", join(dir, "pg"), "-p", pgPort, "-k", dir, "-c", "listen_addresses=127.0.0.1"];
if (statements === "1") pgArgs.push("-c", "shared_preload_libraries=pg_stat_statements", "-c", "pg_stat_statements.track=top");
for (const setting of JSON.parse(settings)) pgArgs.push("-c", setting);
const pg = spawn(postgres, pgArgs, { ...owner, cwd: dir, stdio: ["ignore", "ignore", "inherit"] });
let fd = null;
let stopping = false;
const exitWhenDone = () => {
  if ((fd === null || fd.exitCode !== null || fd.signalCode !== null) && (pg.exitCode !== null || pg.signalCode !== null)) {
    rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  }
};
const stop = () => {
  if (stopping) return;
  stopping = true;
  const stopPg = () => { pg.kill("SIGINT"); setTimeout(() => pg.kill("SIGKILL"), 10000).unref(); };
  if (fd && fd.exitCode === null) { fd.once("exit", stopPg); fd.kill("SIGTERM"); setTimeout(() => fd.kill("SIGKILL"), 5000).unref(); }
  else stopPg();
};
pg.on("exit", () => { if (!stopping) { console.error("postgres exited"); stop(); } exitWhenDone(); });
process.stdin.setEncoding("utf8");
process.stdin.on("data", (text) => {
  if (!text.includes("start") || fd || stopping) return;
  fd = spawn(ferretdb, [
    "--handler=postgresql",
    "--postgresql-url=postgres://postgres@127.0.0.1:" + pgPort + "/ferretdb",
    "--state-dir=" + dir,
    "--listen-addr=127.0.0.1:" + port,
    "--debug-addr=-",
    "--telemetry=disable",
    "--log-level=error",
  ], { stdio: ["ignore", "ignore", "inherit"] });
  fd.on("exit", () => { if (!stopping) { console.error("ferretdb exited"); stop(); } exitWhenDone(); });
});
process.stdin.on("end", stop).on("error", stop).resume();
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
`;

async function waitFor(probe: () => Promise<void>, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`exited with ${child.exitCode ?? child.signalCode}: ${stderr()}`);
    try {
      return await probe();
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`not ready after ${READY_TIMEOUT_MS} ms (${lastError instanceof Error ? lastError.message : String(lastError)}): ${stderr()}`);
}

async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.stdin?.end();
  // The watchdog escalates to SIGKILL itself; this only covers a watchdog that hangs.
  const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
  await exited;
  clearTimeout(timer);
}
