import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { StorageError } from "@relance/core";
import { SqliteDatabase } from "../../src/storage/sqlite/database.js";
import { CommitGroups, DEFAULT_TURN_LIMITS, grouped } from "../../src/storage/sqlite/group-commit.js";
import { createSqliteCounters } from "../../src/storage/sqlite/records.js";
import { createSqliteStorage } from "../../src/storage/sqlite/index.js";
import { WalSync, type DurableSync } from "../../src/storage/sqlite/wal-sync.js";

const DAY = "2026-01-05";
const dirs: string[] = [];
const cleanups: Array<() => void> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) cleanup();
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function freshFile(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "relance-walsync-"));
  dirs.push(dir);
  return join(dir, "relance.sqlite");
}

/** A sync the test ends by hand: stands for a disk that takes its time. */
class HeldSync implements DurableSync {
  readonly pending: Array<{ resolve: () => void; reject: (error: Error) => void }> = [];
  syncedNow = 0;
  sync(): Promise<void> {
    return new Promise((resolve, reject) => this.pending.push({ resolve, reject }));
  }
  syncNow(): void {
    this.syncedNow++;
  }
  close(): void {}
}

async function countersOn(durable: DurableSync) {
  const db = new SqliteDatabase({ filename: await freshFile(), synchronous: "normal", busyTimeoutMs: 1_000 });
  db.open();
  cleanups.push(() => db.close());
  const groups = new CommitGroups(db, DEFAULT_TURN_LIMITS, durable);
  return { db, groups, counters: grouped(groups, createSqliteCounters(db)) };
}

const turns = (count: number) => new Promise<void>((resolve) => {
  const step = (left: number) => (left === 0 ? resolve() : setImmediate(() => step(left - 1)));
  step(count);
});

describe("SQLite: the commit's fsync off the event loop (synchronous = full)", () => {
  it("a call resolves only once a sync started after its commit succeeded; the event loop runs meanwhile", async () => {
    const durable = new HeldSync();
    const { counters } = await countersOn(durable);
    let resolved = false;
    const call = counters.tryIncrement("referrer-1", DAY, 5).then((count) => {
      resolved = true;
      return count;
    });
    await turns(10);
    // Committed, the sync asked for and still running: not acknowledged, and the loop turned.
    expect(durable.pending).toHaveLength(1);
    expect(resolved).toBe(false);
    durable.pending[0]!.resolve();
    expect(await call).toBe(1);
  });

  it("calls arriving while a sync runs commit together when it ends, under one next sync", async () => {
    const durable = new HeldSync();
    const { counters } = await countersOn(durable);
    const first = counters.tryIncrement("referrer-1", DAY, 100);
    await turns(5);
    expect(durable.pending).toHaveLength(1);
    const later = Array.from({ length: 20 }, () => counters.tryIncrement("referrer-1", DAY, 100));
    await turns(10);
    // One sync at a time: the twenty wait in the open transaction.
    expect(durable.pending).toHaveLength(1);
    durable.pending[0]!.resolve();
    expect(await first).toBe(1);
    await turns(5);
    expect(durable.pending).toHaveLength(2);
    durable.pending[1]!.resolve();
    expect((await Promise.all(later)).sort((a, b) => a! - b!)).toEqual(Array.from({ length: 20 }, (_, i) => i + 2));
  });

  it("a failed sync fails its calls with a StorageError (written, maybe not durable: an answer lost)", async () => {
    const durable = new HeldSync();
    const { counters, db } = await countersOn(durable);
    const call = counters.tryIncrement("referrer-1", DAY, 5);
    await turns(5);
    durable.pending[0]!.reject(Object.assign(new Error("EIO: i/o error, fdatasync"), { code: "EIO" }));
    const error = await call.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageError);
    expect((error as StorageError).message).toContain("[sqlite] sync failed: EIO");
    expect(db.get<{ n: number }>("read", "SELECT count(*) AS n FROM counters")!.n).toBe(1);
  });

  it("flush (before close) commits and syncs what waits, blocking", async () => {
    const durable = new HeldSync();
    const { counters, groups } = await countersOn(durable);
    const calls = [counters.tryIncrement("referrer-1", DAY, 5), counters.tryIncrement("referrer-2", DAY, 5)];
    groups.flush();
    expect(durable.syncedNow).toBe(1);
    expect(await Promise.all(calls)).toEqual([1, 1]);
  });

  it("WalSync syncs a connection's WAL off the event loop, and a reopened connection's new WAL after close", async () => {
    const filename = await freshFile();
    const sync = new WalSync(`${filename}-wal`);
    for (let opening = 0; opening < 2; opening++) {
      const db = new Database(filename);
      db.pragma("journal_mode = WAL");
      db.exec("CREATE TABLE IF NOT EXISTS t (v INTEGER)");
      db.prepare("INSERT INTO t VALUES (?)").run(opening);
      await sync.sync();
      sync.syncNow();
      db.close();
      // The last connection closed: SQLite deleted the WAL; the next opening creates another file.
      sync.close();
    }
    const db = new Database(filename);
    expect(db.prepare("SELECT count(*) AS n FROM t").get()).toEqual({ n: 2 });
    db.close();
  });

  it("a storage on a file (synchronous full, the default) keeps what it acknowledged across close and reopen", async () => {
    const filename = await freshFile();
    const storage = createSqliteStorage({ filename });
    await storage.init();
    await Promise.all(Array.from({ length: 50 }, () => storage.counters.tryIncrement("referrer-1", DAY, 100)));
    await storage.close();
    const reopened = createSqliteStorage({ filename });
    await reopened.init();
    expect(await reopened.counters.get("referrer-1", DAY)).toBe(50);
    await reopened.close();
  });
});
