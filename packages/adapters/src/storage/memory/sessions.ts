import type { SessionEntry, SessionEntryRef, SessionRepository } from "../../ports/session-repository.js";

function compareEntries(a: SessionEntryRef, b: SessionEntryRef): number {
  if (a.sessionId !== b.sessionId) return a.sessionId < b.sessionId ? -1 : 1;
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

export function createMemorySessions(): SessionRepository {
  const sessions = new Map<string, Map<string, string>>();

  return {
    async get(sessionId, keys) {
      const values = sessions.get(sessionId);
      const found: Record<string, string> = {};
      for (const key of keys) {
        const value = values?.get(key);
        if (value !== undefined) found[key] = value;
      }
      return found;
    },

    async set(sessionId, entries) {
      let values = sessions.get(sessionId);
      if (!values) sessions.set(sessionId, (values = new Map()));
      for (const [key, value] of Object.entries(entries)) {
        if (value === null) values.delete(key);
        else values.set(key, value);
      }
      if (values.size === 0) sessions.delete(sessionId);
    },

    async clear(sessionId) {
      sessions.delete(sessionId);
    },

    async exists(sessionId) {
      return (sessions.get(sessionId)?.size ?? 0) > 0;
    },

    async scan(after, limit) {
      const entries: SessionEntry[] = [];
      for (const [sessionId, values] of sessions) for (const [key, value] of values) entries.push({ sessionId, key, value });
      entries.sort(compareEntries);
      const start = after === null ? 0 : entries.findIndex((e) => compareEntries(e, after) > 0);
      return start < 0 ? [] : entries.slice(start, start + Math.max(0, limit));
    },

    async replaceIf(sessionId, key, expected, value) {
      const values = sessions.get(sessionId);
      if (values?.get(key) !== expected) return false;
      values.set(key, value);
      return true;
    },
  };
}
