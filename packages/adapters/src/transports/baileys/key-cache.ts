import type { CacheStore } from "@whiskeysockets/baileys";

/**
 * The cache under `makeCacheableSignalKeyStore`. Baileys' default is a NodeCache whose expiry
 * interval is never stopped: one stays behind, with its entries, for every socket ever made.
 * This one expires entries when read and sweeps on writes, with no timer.
 */
export function createKeyCache(ttlMs = 5 * 60_000, now: () => number = Date.now): CacheStore {
  const entries = new Map<string, { value: unknown; expiresAt: number }>();
  let writes = 0;

  function sweep(): void {
    const at = now();
    for (const [key, entry] of entries) if (entry.expiresAt <= at) entries.delete(key);
  }

  return {
    get<T>(key: string): T | undefined {
      const entry = entries.get(key);
      if (!entry) return undefined;
      if (entry.expiresAt <= now()) {
        entries.delete(key);
        return undefined;
      }
      return entry.value as T;
    },
    set<T>(key: string, value: T): void {
      entries.set(key, { value, expiresAt: now() + ttlMs });
      if (++writes % 512 === 0) sweep();
    },
    del(key: string): void {
      entries.delete(key);
    },
    flushAll(): void {
      entries.clear();
    },
  };
}
