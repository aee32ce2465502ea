/**
 * The MongoDB-protocol server the bench's MongoDB and seed rows run on, and where their dispatch
 * runs' time goes.
 *
 * The server: `MONGODB_URI`, else the tests' FerretDB on SQLite (`startTestMongo`), or with
 * BENCH_MONGO=ferretdb-pg FerretDB over a throw-away PostgreSQL (`startFerretDBOnPostgres`):
 * BENCH_PG_CONF (comma-separated, e.g. `synchronous_commit=off`) sets PostgreSQL's settings,
 * BENCH_MONGO_POOL (default 1) the client's connections (see `FerretDBOnPostgresOptions.poolSize`),
 * BENCH_PG_ID_INDEX=gin adds, once a store is seeded, a GIN index on `_id` PostgreSQL can use for
 * FerretDB's pushed-down filters (`indexIdsWithGin`: not FerretDB's, a stand-in for MongoDB's
 * `_id` index).
 *
 * The profile:
 * BENCH_MONGO_COMMANDS=1 times every command the driver sends (its command monitoring: the
 * client's view, round trip and server work), per command and collection; BENCH_PG_STATEMENTS=1,
 * with BENCH_MONGO=ferretdb-pg, prints the SQL PostgreSQL spent the most time on
 * (pg_stat_statements) — what FerretDB made of those commands.
 */
import type { CommandStartedEvent, CommandSucceededEvent, CommandFailedEvent, MongoClient } from "mongodb";
import { startFerretDBOnPostgres, type FerretDBOnPostgres } from "../test/support/ferretdb-postgres.js";
import { startTestMongo, type TestMongoResult } from "../test/support/mongo-server.js";

export const MONGO_COMMANDS = process.env.BENCH_MONGO_COMMANDS === "1";
const PG_STATEMENTS = process.env.BENCH_PG_STATEMENTS === "1";
const PG_ID_GIN = process.env.BENCH_PG_ID_INDEX === "gin";

export async function startBenchMongo(needed: boolean): Promise<TestMongoResult | FerretDBOnPostgres> {
  if (!needed) return { skipped: "no MongoDB storage selected" };
  const choice = process.env.BENCH_MONGO;
  if (choice === "ferretdb-pg") {
    const settings = process.env.BENCH_PG_CONF?.split(",").filter(Boolean);
    return startFerretDBOnPostgres({ settings, poolSize: Number(process.env.BENCH_MONGO_POOL ?? 1) });
  }
  if (choice !== undefined) throw new Error(`BENCH_MONGO=${choice}: only ferretdb-pg is known (unset: MONGODB_URI, else FerretDB on SQLite)`);
  return startTestMongo();
}

/** Around each store seeded and each dispatch run measured. */
export interface DispatchProfile {
  /** Once a database is seeded, before it is measured. */
  afterSeed(dbName: string): Promise<void>;
  /** Adds a client's commands to the count (created with `monitorCommands: true`). */
  watch(client: MongoClient): void;
  reset(): Promise<void>;
  report(label: string): Promise<string>;
}

export function dispatchProfile(server: TestMongoResult | FerretDBOnPostgres): DispatchProfile | undefined {
  const pg = "resetStatements" in server ? server : null;
  if (PG_ID_GIN && !pg) throw new Error("BENCH_PG_ID_INDEX=gin needs BENCH_MONGO=ferretdb-pg");
  const statements = PG_STATEMENTS ? pg : null;
  if (!MONGO_COMMANDS && !statements && !PG_ID_GIN) return undefined;
  const started = new Map<number, string>();
  const times = new Map<string, { count: number; ms: number }>();
  const done = (event: CommandSucceededEvent | CommandFailedEvent) => {
    const key = started.get(event.requestId);
    if (key === undefined) return;
    started.delete(event.requestId);
    const entry = times.get(key) ?? { count: 0, ms: 0 };
    entry.count += 1;
    entry.ms += event.duration;
    times.set(key, entry);
  };
  return {
    async afterSeed(dbName) {
      if (PG_ID_GIN && pg) process.stderr.write(`  ${dbName}: ${await pg.indexIdsWithGin(dbName)} GIN indexes on _id added\n`);
    },
    watch(client) {
      if (!MONGO_COMMANDS) return;
      client.on("commandStarted", (event: CommandStartedEvent) => {
        const target = event.command[event.commandName];
        started.set(event.requestId, typeof target === "string" ? `${event.commandName} ${target.replace(/^relance_|^seed_/, "")}` : event.commandName);
      });
      client.on("commandSucceeded", done);
      client.on("commandFailed", done);
    },
    async reset() {
      times.clear();
      await statements?.resetStatements();
    },
    async report(label) {
      const lines: string[] = [];
      if (MONGO_COMMANDS) {
        const total = [...times.values()].reduce((sum, t) => sum + t.ms, 0);
        lines.push(`${label}: commands (count, total ms, mean ms, share of command time ${Math.round(total)} ms)`);
        for (const [key, t] of [...times.entries()].sort((a, b) => b[1].ms - a[1].ms)) {
          lines.push(`    ${key.padEnd(40)}${String(t.count).padStart(7)}${t.ms.toFixed(0).padStart(9)}${(t.ms / t.count).toFixed(2).padStart(9)}${`${Math.round((100 * t.ms) / total)}%`.padStart(6)}`);
        }
      }
      if (statements) {
        lines.push(`${label}: pg_stat_statements (calls | total ms | mean ms | rows | query)`);
        lines.push((await statements.topStatements()).trimEnd().replace(/^/gm, "    "));
      }
      return lines.map((line) => `  ${line}`).join("\n");
    },
  };
}
