import type { SessionRepository } from "@relance/core";
import type { Collection } from "./collection.js";

/**
 * One document per (session, key): transport keys contain dots and may start with `$`, which
 * nedb refuses as field names, so they are stored as values.
 */
export function createFileSessions(sessions: Collection): SessionRepository {
  const key = (sessionId: string, name: string) => JSON.stringify([sessionId, name]);

  return {
    async get(sessionId, keys) {
      if (keys.length === 0) return {};
      const docs = await sessions.find({ _id: { $in: keys.map((name) => key(sessionId, name)) } });
      return Object.fromEntries(docs.map((doc) => [doc.key as string, doc.value as string]));
    },

    async set(sessionId, entries) {
      const pairs = Object.entries(entries);
      const removed = pairs.filter(([, value]) => value === null).map(([name]) => key(sessionId, name));
      await Promise.all([
        removed.length > 0 ? sessions.remove({ _id: { $in: removed } }, true) : Promise.resolve(0),
        ...pairs
          .filter((pair): pair is [string, string] => pair[1] !== null)
          .map(([name, value]) => sessions.replaceOrInsert({ _id: key(sessionId, name), sessionId, key: name, value })),
      ]);
    },

    async clear(sessionId) {
      await sessions.remove({ sessionId }, true);
    },

    async exists(sessionId) {
      return (await sessions.findOne({ sessionId })) !== null;
    },
  };
}
