import { StorageError } from "@relance/core";
import type { SqliteDatabase } from "./database.js";
import type { DurableSync } from "./wal-sync.js";

/** How much of the event loop one group-commit tick may take, and how often it commits (see `CommitGroups`). */
export interface TurnLimits {
  /** Calls run per tick at most, and calls resolved per tick at most. Default 64. */
  maxCalls: number;
  /** Once a tick's calls took this long, the rest wait for the next tick. Default 4 ms. */
  budgetMs: number;
  /** An open transaction is committed once this old (or when nothing else is waiting). Default 50 ms. */
  commitEveryMs: number;
}

export const DEFAULT_TURN_LIMITS: TurnLimits = { maxCalls: 64, budgetMs: 4, commitEveryMs: 50 };

interface Queued {
  run: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

interface Ran {
  call: Queued;
  result: unknown;
}

/**
 * Group commit in bounded ticks. better-sqlite3 runs each statement synchronously, so a burst of
 * concurrent calls (a dispatch run's senders) used to run back to back, never letting the event
 * loop serve a request in between. Here calls are queued in order and worked off by ticks
 * (`setImmediate`), each bounded (`maxCalls`, `budgetMs`): a tick resolves calls already committed,
 * then runs waiting calls inside the open IMMEDIATE transaction. The transaction is committed (one
 * fsync) once it is `commitEveryMs` old, or when nothing else waits; a call resolves only after
 * its transaction committed — what a caller is told was written is durable, as before. Between two
 * ticks the event loop serves I/O (HTTP requests, probes); resolving in bounded slices also bounds
 * the callers' own work that runs when their calls resolve.
 *
 * With a `DurableSync` (`synchronous = "full"` on a file, see `WalSync`), the COMMIT itself does
 * not wait for the disk: committed transactions wait for a sync of the WAL that runs off the event
 * loop, one at a time, each covering every transaction committed before it started (so several
 * commits share one fsync while the disk is slow), and their calls resolve when it succeeded.
 * Meanwhile the next transactions run and commit.
 */
export class CommitGroups {
  private readonly queue: Queued[] = [];
  private head = 0;
  /** Run in the open transaction, not committed yet. */
  private ran: Ran[] = [];
  private openedAt: number | null = null;
  /** Committed (or failed), to resolve. */
  private done: Array<{ ran: Ran; commitError: StorageError | null }> = [];
  /** Committed, waiting for a sync of the WAL (with a `DurableSync` only). */
  private unsynced: Ran[] = [];
  private syncing = false;
  private flushing = false;
  private scheduled = false;

  constructor(
    private readonly db: SqliteDatabase,
    private readonly limits: TurnLimits = DEFAULT_TURN_LIMITS,
    private readonly durable: DurableSync | null = null,
  ) {}

  /** Queues a call; resolves with its result once its transaction has committed. */
  enqueue(run: () => unknown): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.queue.push({ run, resolve, reject });
      this.schedule();
    });
  }

  /** Runs, commits and syncs every queued call now (before close). */
  flush(): void {
    const all = { maxCalls: Number.MAX_SAFE_INTEGER, budgetMs: Number.POSITIVE_INFINITY, commitEveryMs: 0 };
    this.flushing = true;
    try {
      for (;;) {
        while (this.head < this.queue.length || this.ran.length > 0 || this.done.length > 0) this.tick(all);
        if (this.unsynced.length === 0) return;
        // Synced here, blocking (a sync still running covers only what committed before it started).
        const batch = this.unsynced.splice(0);
        this.settleSynced(batch, this.syncError(() => this.durable!.syncNow()));
      }
    } finally {
      this.flushing = false;
    }
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.tick(this.limits);
      // An open transaction waiting only for the running sync is committed when it ends (`synced`), not polled.
      if (this.head < this.queue.length || this.done.length > 0 || (this.ran.length > 0 && !this.syncing)) this.schedule();
    });
  }

  private tick(limits: TurnLimits): void {
    // 1. Resolve a bounded slice of committed calls: their callers' work runs after this tick.
    const resolving = this.done.splice(0, limits.maxCalls);
    for (const { ran, commitError } of resolving) {
      const settled = Promise.resolve(ran.result);
      ran.call.resolve(
        commitError === null
          ? settled
          : settled.then(() => {
              throw commitError;
            }),
      );
    }
    // 2. Run a bounded slice of waiting calls in the open transaction.
    if (this.head < this.queue.length) {
      if (this.openedAt === null) {
        try {
          this.db.begin();
        } catch (error) {
          // No transaction (closed, or another process held the lock past busyTimeoutMs): every call waiting fails.
          for (const call of this.take(this.queue.length - this.head)) call.reject(error);
          return;
        }
        this.openedAt = performance.now();
      }
      const started = performance.now();
      let count = 0;
      while (this.head < this.queue.length && count < limits.maxCalls && performance.now() - started < limits.budgetMs) {
        const [call] = this.take(1);
        let result: unknown;
        try {
          // Repository methods are `async` with synchronous bodies: the statement has run when
          // this returns, and its own failure is in the promise, undone alone (statement rollback).
          result = call!.run();
        } catch (error) {
          result = Promise.reject(error);
        }
        if (result instanceof Promise) result.catch(() => undefined);
        this.ran.push({ call: call!, result });
        count++;
      }
    }
    // 3. Commit when the transaction is old enough, or when no one could make progress otherwise:
    // nothing waits to run or to resolve, and no sync runs — while one does, the calls arriving
    // gather in the open transaction and commit together when it ends (one WAL write and one
    // fsync for all of them, instead of a commit per call as callers trickle in one by one).
    if (this.openedAt === null) return;
    const idle = this.head >= this.queue.length && this.done.length === 0 && !this.syncing;
    if (!idle && performance.now() - this.openedAt < limits.commitEveryMs) return;
    let commitError: StorageError | null = null;
    try {
      this.db.commit();
    } catch (error) {
      commitError = this.asStorageError("commit", error);
    }
    this.openedAt = null;
    if (this.durable && commitError === null) {
      this.unsynced.push(...this.ran);
      this.ran = [];
      this.startSync();
      return;
    }
    for (const ran of this.ran) this.done.push({ ran, commitError });
    this.ran = [];
  }

  /** One sync at a time, for every transaction committed before it starts. */
  private startSync(): void {
    if (this.syncing || this.flushing || this.unsynced.length === 0) return;
    this.syncing = true;
    const batch = this.unsynced.splice(0);
    let started: Promise<void>;
    try {
      started = this.durable!.sync();
    } catch (error) {
      started = Promise.reject(error);
    }
    started.then(
      () => this.synced(batch, null),
      (error: unknown) => this.synced(batch, this.asStorageError("sync", error)),
    );
  }

  private synced(batch: Ran[], error: StorageError | null): void {
    this.syncing = false;
    this.settleSynced(batch, error);
    this.startSync();
    this.schedule();
  }

  /**
   * A failed sync fails its calls (their writes are committed, maybe not durable: an answer lost,
   * as the dispatch protocol's outage cases already assume).
   */
  private settleSynced(batch: Ran[], error: StorageError | null): void {
    for (const ran of batch) this.done.push({ ran, commitError: error });
  }

  private syncError(sync: () => void): StorageError | null {
    try {
      sync();
      return null;
    } catch (error) {
      return this.asStorageError("sync", error);
    }
  }

  private asStorageError(step: string, error: unknown): StorageError {
    return error instanceof StorageError ? error : new StorageError(`[sqlite] ${step} failed: ${error instanceof Error ? error.message : String(error)}`, error);
  }

  private take(count: number): Queued[] {
    const taken = this.queue.slice(this.head, this.head + count);
    this.head += count;
    if (this.head > 1_024 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
    return taken;
  }
}

/**
 * The repository with each method queued for the next turn's transaction, resolving after its
 * commit; a method's own error is thrown as is (its statement alone was undone, the turn goes on).
 */
export function grouped<T extends object>(groups: CommitGroups, repository: T): T {
  const wrapped = {} as Record<string, unknown>;
  for (const [name, value] of Object.entries(repository)) {
    if (typeof value !== "function") {
      wrapped[name] = value;
      continue;
    }
    wrapped[name] = (...args: unknown[]) => groups.enqueue(() => (value as (...a: unknown[]) => unknown).apply(repository, args));
  }
  return wrapped as T;
}
