import Database from "better-sqlite3";
import { chmodSync, closeSync, mkdirSync, openSync } from "node:fs";
import { dirname } from "node:path";
import { StorageError } from "@relance/core";
import { SCHEMA, SCHEMA_VERSION } from "./schema.js";

export type Synchronous = "full" | "normal";

export interface SqliteSettings {
  filename: string;
  synchronous: Synchronous;
  busyTimeoutMs: number;
}

/**
 * The file holds contacts and WhatsApp sessions: owner-only. SQLite gives its -wal and -shm files
 * the database file's mode. A directory that already exists is left as the operator made it.
 */
function restrictFile(filename: string): void {
  mkdirSync(dirname(filename), { recursive: true, mode: 0o700 });
  closeSync(openSync(filename, "a", 0o600));
  try {
    chmodSync(filename, 0o600);
  } catch {
    // Not ours to change (another owner): SQLite opens it as it is.
  }
}

/**
 * One better-sqlite3 connection with the adapter's conventions: WAL, a busy timeout so that
 * writers of other processes wait for each other instead of failing, prepared statements cached
 * by their SQL, and every driver error wrapped in a `[sqlite]` StorageError.
 */
export class SqliteDatabase {
  private db: Database.Database | null = null;
  private readonly statements = new Map<string, Database.Statement>();

  constructor(private readonly settings: SqliteSettings) {}

  get isOpen(): boolean {
    return this.db !== null;
  }

  open(): void {
    if (this.db) return;
    this.run("open", () => {
      if (this.settings.filename !== ":memory:") restrictFile(this.settings.filename);
      const db = new Database(this.settings.filename, { timeout: this.settings.busyTimeoutMs });
      try {
        db.pragma("journal_mode = WAL");
        // Deleted rows (erasure, retention) are overwritten with zeros, not left in free pages
        // where a copy of the file would still show them (security review 2, L5).
        db.pragma("secure_delete = ON");
        db.pragma(`synchronous = ${this.settings.synchronous.toUpperCase()}`);
        db.pragma("foreign_keys = OFF");
        // 64 MB of page cache (SQLite's default is 2 MB): at 1M targets the indexes a send's
        // writes touch (~30 MB each) stay in memory instead of being read back on every write.
        db.pragma("cache_size = -65536");
        // Creating the schema is one immediate transaction: processes opening a new file at once
        // wait for each other instead of racing on CREATE.
        db.transaction(() => {
          const version = db.pragma("user_version", { simple: true }) as number;
          if (version > SCHEMA_VERSION) throw new Error(`the file has schema version ${version}, newer than this adapter's ${SCHEMA_VERSION}`);
          db.exec(SCHEMA);
          if (version < SCHEMA_VERSION) db.pragma(`user_version = ${SCHEMA_VERSION}`);
        }).immediate();
      } catch (error) {
        db.close();
        throw error;
      }
      this.db = db;
    });
  }

  close(): void {
    const db = this.db;
    if (!db) return;
    this.db = null;
    this.statements.clear();
    this.run("close", () => db.close());
  }

  /** A prepared statement, compiled once per SQL text and connection. */
  statement(sql: string): Database.Statement {
    const db = this.opened();
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.run("prepare", () => db.prepare(sql));
      this.statements.set(sql, statement);
    }
    return statement;
  }

  all<T>(operation: string, sql: string, ...params: unknown[]): T[] {
    return this.run(operation, () => this.statement(sql).all(...params) as T[]);
  }

  get<T>(operation: string, sql: string, ...params: unknown[]): T | undefined {
    return this.run(operation, () => this.statement(sql).get(...params) as T | undefined);
  }

  /** Rows changed. */
  exec(operation: string, sql: string, ...params: unknown[]): number {
    return this.run(operation, () => this.statement(sql).run(...params).changes);
  }

  /** Runs `body` in one IMMEDIATE transaction: the write lock is taken first, so its reads are current. */
  transaction<T>(operation: string, body: () => T): T {
    const db = this.opened();
    return this.run(operation, () => db.transaction(body).immediate());
  }

  get inTransaction(): boolean {
    return this.db?.inTransaction ?? false;
  }

  /** Opens a transaction holding the write lock (see `CommitGroups`). */
  begin(): void {
    const db = this.opened();
    this.run("begin", () => db.exec("BEGIN IMMEDIATE"));
  }

  /** Commits the open transaction; rolls it back when the commit fails. */
  commit(): void {
    const db = this.opened();
    try {
      this.run("commit", () => db.exec("COMMIT"));
    } catch (error) {
      if (db.inTransaction) db.exec("ROLLBACK");
      throw error;
    }
  }

  pragma(operation: string, text: string): unknown {
    const db = this.opened();
    return this.run(operation, () => db.pragma(text, { simple: true }));
  }

  private opened(): Database.Database {
    if (!this.db) throw new StorageError("[sqlite] storage is not open (call init, and not after close)");
    return this.db;
  }

  run<T>(operation: string, task: () => T): T {
    try {
      return task();
    } catch (error) {
      if (error instanceof StorageError) throw error;
      const reason = error instanceof Error ? error.message : String(error);
      throw new StorageError(`[sqlite] ${operation} failed: ${reason}`, error);
    }
  }
}
