/**
 * Opaque session blobs of WhatsApp transports (already encrypted by the caller), grouped by
 * session id: Baileys keeps `creds` and one entry per signal key, whatsapp-web.js one archive.
 * An adapter-to-adapter port: the transports and the key rotation (`reencryptSessions`) use it,
 * the core never does. Every storage backend of this package provides one (`storage.sessions`).
 */
export interface SessionRepository {
  /** Values of the given keys that exist. */
  get(sessionId: string, keys: readonly string[]): Promise<Record<string, string>>;
  /** Writes every entry; a null value deletes that key. */
  set(sessionId: string, entries: Record<string, string | null>): Promise<void>;
  /** Deletes every key of the session. */
  clear(sessionId: string): Promise<void>;
  /** True when the session has at least one key. */
  exists(sessionId: string): Promise<boolean>;
  /**
   * Every entry of every session, page by page in a stable order (for key rotation): the entries
   * after `after` (exclusive; null: from the start), at most `limit`. Each entry present for the
   * whole scan is returned exactly once.
   */
  scan(after: SessionEntryRef | null, limit: number): Promise<SessionEntry[]>;
  /** Atomic: writes `value` only if the entry still holds `expected`. True when it did. */
  replaceIf(sessionId: string, key: string, expected: string, value: string): Promise<boolean>;
}

export interface SessionEntryRef {
  sessionId: string;
  key: string;
}

export interface SessionEntry extends SessionEntryRef {
  value: string;
}
