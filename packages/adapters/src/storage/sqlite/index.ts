import { join } from "node:path";
import type { StorageBackend } from "../../ports/storage-backend.js";
import { createSqliteConfigs } from "./configs.js";
import { SqliteDatabase, type Synchronous } from "./database.js";
import { createSqliteDirectory, createSqliteEnrollmentCursors } from "./directory.js";
import { createSqliteCounters, createSqliteDoNotContact, createSqliteExitedUsers, createSqliteLeases, createSqliteMessages, createSqliteSessions, createSqliteSettings } from "./records.js";
import { createSqliteTargets } from "./targets.js";
import { CommitGroups, DEFAULT_TURN_LIMITS, grouped, type TurnLimits } from "./group-commit.js";
import { WalSync } from "./wal-sync.js";

export interface SqliteStorageOptions {
  /** Directory of the database file `relance.sqlite` (created if missing). */
  dataDir?: string;
  /** The database file itself, instead of `dataDir`. */
  filename?: string;
  /**
   * `full` (default): a write is acknowledged once it is in the WAL and fsynced: it survives a
   * crash of the process and a power loss. `normal`: it survives a crash of the process (`kill -9`)
   * but the last transactions before a power loss or OS crash may be rolled back.
   */
  synchronous?: Synchronous;
  /** How long a write waits for another process's write to finish. Default 10 s. */
  busyTimeoutMs?: number;
  /** How much of the event loop one group-commit turn may take (`CommitGroups`). */
  turn?: Partial<TurnLimits>;
}

export const SQLITE_FILENAME = "relance.sqlite";

/**
 * Storage in one SQLite file (better-sqlite3, WAL). Several processes may share the file: SQLite
 * serialises writers with its own locks, and every atomic operation of the port is one statement
 * (`UPDATE … WHERE <condition> RETURNING`, `INSERT … ON CONFLICT`) or one IMMEDIATE transaction.
 * Calls are synchronous underneath; the calls of one event-loop turn share one transaction
 * (`CommitGroups`: one fsync per turn, and the event loop served between turns), and each resolves
 * once that transaction has committed.
 */
export function createSqliteStorage(options: SqliteStorageOptions): StorageBackend {
  const filename = options.filename ?? (options.dataDir !== undefined ? join(options.dataDir, SQLITE_FILENAME) : null);
  if (filename === null) throw new TypeError("[sqlite] give dataDir or filename");
  const synchronous = options.synchronous ?? "full";
  // `full` on a file: the connection commits without fsync and the WAL is fsynced off the event
  // loop before a call is acknowledged (`WalSync`): as durable, without blocking the process on the disk.
  const walSync = synchronous === "full" && filename !== ":memory:" ? new WalSync(`${filename}-wal`) : null;
  const db = new SqliteDatabase({ filename, synchronous: walSync ? "normal" : synchronous, busyTimeoutMs: options.busyTimeoutMs ?? 10_000 });
  const groups = new CommitGroups(db, { ...DEFAULT_TURN_LIMITS, ...options.turn }, walSync);

  return {
    name: "sqlite",

    async init() {
      db.open();
      // The schema, if this opening created it, is durable before anything else is acknowledged.
      if (walSync) db.run("sync", () => walSync.syncNow());
    },

    async ping() {
      db.get("ping", "SELECT 1");
    },

    async close() {
      if (!db.isOpen) return;
      // Folds the WAL back into the database so the file stands alone; another process may still hold it.
      try {
        groups.flush();
        db.pragma("close", "wal_checkpoint(PASSIVE)");
      } finally {
        db.close();
        walSync?.close();
      }
    },

    async reclaim() {
      // secure_delete zeroes freed space in the database file, but the WAL keeps the pages it
      // logged (erased rows, session blobs under a retired key) until a checkpoint: the
      // truncating checkpoint folds it in and empties it. No VACUUM: it would hold the (synchronous)
      // driver, and so the whole process, for as long as rewriting the file takes.
      groups.flush();
      db.pragma("reclaim", "wal_checkpoint(TRUNCATE)");
    },

    configs: grouped(groups, createSqliteConfigs(db)),
    messages: grouped(groups, createSqliteMessages(db)),
    targets: grouped(groups, createSqliteTargets(db)),
    counters: grouped(groups, createSqliteCounters(db)),
    doNotContact: grouped(groups, createSqliteDoNotContact(db)),
    leases: grouped(groups, createSqliteLeases(db)),
    sessions: grouped(groups, createSqliteSessions(db)),
    directory: grouped(groups, createSqliteDirectory(db)),
    exitedUsers: grouped(groups, createSqliteExitedUsers(db)),
    enrollmentCursors: grouped(groups, createSqliteEnrollmentCursors(db)),
    settings: grouped(groups, createSqliteSettings(db)),
  };
}
