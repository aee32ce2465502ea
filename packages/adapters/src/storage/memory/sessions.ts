import type { SessionRepository } from "@relance/core";

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
  };
}
