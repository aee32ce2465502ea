import { StorageError } from "@relance/core";
import type { SqliteDatabase } from "./database.js";

/**
 * Group commit. better-sqlite3 runs each statement synchronously, so a burst of concurrent calls
 * (a dispatch run's senders) used to run back to back with one fsynced commit each, never letting
 * the event loop serve a request in between. Here every call made during one event-loop turn runs
 * inside one IMMEDIATE transaction, committed (one fsync) at the end of the turn (`setImmediate`),
 * and each call resolves only after that commit: what a caller is told was written is durable, as
 * before. The commit also hands the event loop back between turns, so HTTP requests are served
 * during a burst.
 */
export class CommitGroups {
  private current: { committed: Promise<void>; resolve: () => void; reject: (error: unknown) => void } | null = null;

  constructor(private readonly db: SqliteDatabase) {}

  /** Joins the current turn's transaction (opening it first); resolves when it has committed. */
  join(): Promise<void> {
    if (this.current) return this.current.committed;
    this.db.begin();
    let resolve!: () => void;
    let reject!: (error: unknown) => void;
    const committed = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    // Each caller awaits it; one that failed on its own statement no longer does.
    committed.catch(() => undefined);
    this.current = { committed, resolve, reject };
    setImmediate(() => this.flush());
    return committed;
  }

  /** Commits the turn's transaction now (at the end of the turn, or before close). */
  flush(): void {
    const group = this.current;
    if (!group) return;
    this.current = null;
    try {
      this.db.commit();
      group.resolve();
    } catch (error) {
      group.reject(error instanceof StorageError ? error : new StorageError(`[sqlite] commit failed: ${String(error)}`, error));
    }
  }
}

/**
 * The repository with each method run in the turn's transaction, resolving after its commit; a
 * method's own error is thrown as is (its statement alone was undone, the group goes on).
 */
export function grouped<T extends object>(groups: CommitGroups, repository: T): T {
  const wrapped = {} as Record<string, unknown>;
  for (const [name, value] of Object.entries(repository)) {
    if (typeof value !== "function") {
      wrapped[name] = value;
      continue;
    }
    wrapped[name] = async (...args: unknown[]) => {
      const committed = groups.join();
      const result: unknown = await (value as (...a: unknown[]) => unknown).apply(repository, args);
      await committed;
      return result;
    };
  }
  return wrapped as T;
}
