import { StorageError } from "@relance/core";
import type { SqliteDatabase } from "./database.js";

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
 */
export class CommitGroups {
  private readonly queue: Queued[] = [];
  private head = 0;
  /** Run in the open transaction, not committed yet. */
  private ran: Ran[] = [];
  private openedAt: number | null = null;
  /** Committed (or failed), to resolve. */
  private done: Array<{ ran: Ran; commitError: StorageError | null }> = [];
  private scheduled = false;

  constructor(
    private readonly db: SqliteDatabase,
    private readonly limits: TurnLimits = DEFAULT_TURN_LIMITS,
  ) {}

  /** Queues a call; resolves with its result once its transaction has committed. */
  enqueue(run: () => unknown): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.queue.push({ run, resolve, reject });
      this.schedule();
    });
  }

  /** Runs and commits every queued call now (before close). */
  flush(): void {
    const all = { maxCalls: Number.MAX_SAFE_INTEGER, budgetMs: Number.POSITIVE_INFINITY, commitEveryMs: 0 };
    while (this.head < this.queue.length || this.ran.length > 0 || this.done.length > 0) this.tick(all);
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.tick(this.limits);
      if (this.head < this.queue.length || this.ran.length > 0 || this.done.length > 0) this.schedule();
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
    // 3. Commit when the transaction is old enough, or when no one could make progress otherwise.
    if (this.openedAt === null) return;
    const idle = this.head >= this.queue.length && this.done.length === 0;
    if (!idle && performance.now() - this.openedAt < limits.commitEveryMs) return;
    let commitError: StorageError | null = null;
    try {
      this.db.commit();
    } catch (error) {
      commitError = error instanceof StorageError ? error : new StorageError(`[sqlite] commit failed: ${String(error)}`, error);
    }
    this.openedAt = null;
    for (const ran of this.ran) this.done.push({ ran, commitError });
    this.ran = [];
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
