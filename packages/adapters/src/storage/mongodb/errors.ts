import { StorageError } from "@relance/core";

/** Runs one storage operation, turning whatever the driver throws into a `StorageError`. */
export async function wrap<T>(operation: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof StorageError) throw error;
    throw new StorageError(`[mongodb] ${operation} failed: ${error instanceof Error ? error.message : String(error)}`, error);
  }
}

/**
 * A unique index (or `_id`) refused the write; the atomic operations rely on it. MongoDB answers
 * E11000; DocumentDB-based servers (FerretDB 2, Azure DocumentDB) answer PostgreSQL's message under
 * code 1 (InternalError), so that code counts only with that message.
 */
export function isDuplicateKey(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (code === 11000) return true;
  return code === 1 && typeof message === "string" && message.includes(DOCUMENTDB_DUPLICATE_KEY);
}

const DOCUMENTDB_DUPLICATE_KEY = "duplicate key value violates unique constraint";

/** A server without this operator or option (FerretDB's NotImplemented, 238). */
export function isNotImplemented(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { code?: unknown }).code === 238;
}

/**
 * A whole, positive page size, or 0 when the caller asked for nothing: MongoDB reads `limit(0)`
 * as "no limit", so callers return early on 0 instead of passing it on.
 */
export function toLimit(limit: number): number {
  return Number.isFinite(limit) && limit >= 1 ? Math.floor(limit) : 0;
}
