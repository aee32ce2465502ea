import type { StorageBackend } from "@relance/adapters";

/** Storage calls and rows (documents) read, since the last `reset`. */
export interface Counts {
  calls: number;
  rows: number;
  /** Calls by `repository.method`. */
  byMethod: Record<string, number>;
}

/** Methods whose results are reads: their rows count. Writes (updateIf's RETURNING included) count as calls only. */
const READS = /^(get|list|find|filter|has|stats|sumForDay|exists)/;

function rowsOf(result: unknown): number {
  if (result === null || result === undefined || typeof result === "boolean") return result === true ? 1 : 0;
  if (Array.isArray(result)) return result.length;
  if (result instanceof Set || result instanceof Map) return result.size;
  if (typeof result === "object" && Array.isArray((result as { items?: unknown }).items)) return (result as { items: unknown[] }).items.length;
  if (typeof result === "object" && !(result instanceof Date)) {
    const keys = Object.keys(result);
    // SessionRepository.get answers a record of values.
    return keys.length > 0 && keys.every((key) => typeof (result as Record<string, unknown>)[key] === "string") ? keys.length : 1;
  }
  return 1;
}

/**
 * The storage with every repository call counted: what a run costs in round trips and rows read,
 * the same way on every backend (the pushed directory lives in the storage, so its reads count too).
 */
export function countingStorage(storage: StorageBackend): { storage: StorageBackend; counts: Counts; reset(): Counts } {
  const counts: Counts = { calls: 0, rows: 0, byMethod: {} };
  const wrap = <T extends object>(repository: T): T => {
    // The repository's key in the storage (`targets`, `counters`, ...), for the calls by method.
    const name = Object.keys(storage).find((key) => (storage as unknown as Record<string, unknown>)[key] === repository) ?? "?";
    return new Proxy(repository, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver);
        if (typeof value !== "function" || typeof property !== "string") return value;
        return async (...args: unknown[]) => {
          counts.calls++;
          counts.byMethod[`${name}.${property}`] = (counts.byMethod[`${name}.${property}`] ?? 0) + 1;
          const result = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          if (READS.test(property)) counts.rows += rowsOf(result);
          return result;
        };
      },
    });
  };
  const counted = Object.create(storage) as StorageBackend;
  for (const key of ["configs", "messages", "targets", "counters", "doNotContact", "leases", "sessions", "directory", "exitedUsers", "enrollmentCursors", "settings"] as const) {
    Object.defineProperty(counted, key, { value: wrap(storage[key] as object) });
  }
  for (const key of ["init", "ping", "close"] as const) Object.defineProperty(counted, key, { value: storage[key].bind(storage) });
  // Optional on the port: bound when the backend has it (a service composed with the counted storage erases too).
  if (storage.reclaim) Object.defineProperty(counted, "reclaim", { value: storage.reclaim.bind(storage) });
  Object.defineProperty(counted, "name", { value: storage.name });
  return {
    storage: counted,
    counts,
    reset() {
      const snapshot = { ...counts, byMethod: { ...counts.byMethod } };
      counts.calls = 0;
      counts.rows = 0;
      counts.byMethod = {};
      return snapshot;
    },
  };
}
