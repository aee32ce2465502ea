import type { CacheStore } from "@whiskeysockets/baileys";

export interface BoundedCacheOptions {
  /** Entries kept at most; the least recently used goes first beyond it. */
  max: number;
  ttlMs: number;
  /** A read makes the entry fresh again (like lru-cache's `updateAgeOnGet`). */
  refreshOnGet?: boolean;
  now?: () => number;
}

/** A cache with a count bound and expiry checked on access: no timer, ever. */
export interface BoundedCache extends CacheStore {
  clear(): void;
  readonly size: number;
}

/**
 * Least recently used first out, beyond `max`; entries expire when read after `ttlMs`. Baileys'
 * own caches either keep an expiry interval running for good (NodeCache) or, with lru-cache's
 * `ttlAutopurge` and no `max`, arm one timer per entry and never bound the count (X5).
 */
export function createBoundedCache(options: BoundedCacheOptions): BoundedCache {
  const { max, ttlMs, refreshOnGet = false, now = Date.now } = options;
  // A Map keeps insertion order: re-inserting on use makes its first key the least recently used.
  const entries = new Map<string, { value: unknown; expiresAt: number }>();

  return {
    get<T>(key: string): T | undefined {
      const entry = entries.get(key);
      if (!entry) return undefined;
      const at = now();
      if (entry.expiresAt <= at) {
        entries.delete(key);
        return undefined;
      }
      entries.delete(key);
      entries.set(key, refreshOnGet ? { value: entry.value, expiresAt: at + ttlMs } : entry);
      return entry.value as T;
    },
    set<T>(key: string, value: T): void {
      entries.delete(key);
      entries.set(key, { value, expiresAt: now() + ttlMs });
      while (entries.size > max) entries.delete(entries.keys().next().value!);
    },
    del(key: string): void {
      entries.delete(key);
    },
    flushAll(): void {
      entries.clear();
    },
    clear(): void {
      entries.clear();
    },
    get size(): number {
      return entries.size;
    },
  };
}

/**
 * The cache under `makeCacheableSignalKeyStore`. Baileys' default is a NodeCache whose expiry
 * interval is never stopped: one stays behind, with its entries, for every socket ever made.
 * This one expires entries when read, keeps at most `max`, and has no timer.
 */
export function createKeyCache(ttlMs = 5 * 60_000, now: () => number = Date.now, max = 5_000): CacheStore {
  return createBoundedCache({ max, ttlMs, now });
}
