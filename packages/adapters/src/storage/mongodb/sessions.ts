import type { SessionEntry, SessionEntryRef, SessionRepository } from "../../ports/session-repository.js";
import type { AnyBulkWriteOperation, Collection } from "mongodb";
import type { SessionEntryDocument } from "./documents.js";
import { isDuplicateKey, wrap } from "./errors.js";

export function mongoSessions(sessions: Collection<SessionEntryDocument>): SessionRepository {
  const idOf = (sessionId: string, key: string) => JSON.stringify([sessionId, key]);

  const write = (operations: AnyBulkWriteOperation<SessionEntryDocument>[]) => sessions.bulkWrite(operations, { ordered: false });

  return {
    get: (sessionId: string, keys: readonly string[]) =>
      wrap("sessions.get", async () => {
        const values: Record<string, string> = {};
        if (keys.length === 0) return values;
        const docs = await sessions.find({ _id: { $in: keys.map((key) => idOf(sessionId, key)) } }).toArray();
        for (const doc of docs) values[doc.key] = doc.value;
        return values;
      }),

    set: (sessionId: string, entries: Record<string, string | null>) =>
      wrap("sessions.set", async () => {
        const operations = Object.entries(entries).map(([key, value]): AnyBulkWriteOperation<SessionEntryDocument> => {
          const filter = { _id: idOf(sessionId, key) };
          return value === null
            ? { deleteOne: { filter } }
            : { replaceOne: { filter, replacement: { sessionId, key, value }, upsert: true } };
        });
        if (operations.length === 0) return;
        try {
          await write(operations);
        } catch (error) {
          // Two writers upserting one new key: the loser's write is a plain overwrite, so replay it.
          if (!isDuplicateKey(error)) throw error;
          await write(operations);
        }
      }),

    clear: (sessionId: string) =>
      wrap("sessions.clear", async () => {
        await sessions.deleteMany({ sessionId });
      }),

    exists: (sessionId: string) =>
      wrap("sessions.exists", async () => (await sessions.countDocuments({ sessionId }, { limit: 1 })) > 0),

    // Ordered by _id (the JSON of [sessionId, key]): stable, one index, each entry once.
    scan: (after: SessionEntryRef | null, limit: number) =>
      wrap("sessions.scan", async () => {
        if (limit <= 0) return [];
        const filter = after === null ? {} : { _id: { $gt: idOf(after.sessionId, after.key) } };
        const docs = await sessions.find(filter).sort({ _id: 1 }).limit(limit).toArray();
        return docs.map((doc): SessionEntry => ({ sessionId: doc.sessionId, key: doc.key, value: doc.value }));
      }),

    replaceIf: (sessionId: string, key: string, expected: string, value: string) =>
      wrap("sessions.replaceIf", async () => (await sessions.updateOne({ _id: idOf(sessionId, key), value: expected }, { $set: { value } })).modifiedCount === 1),
  };
}
