import type { ExitedUser, ExitedUserRepository } from "@relance/core";
import type { Collection } from "mongodb";
import type { ExitedUserDocument } from "./documents.js";
import { isDuplicateKey, wrap } from "./errors.js";

export function mongoExitedUsers(entries: Collection<ExitedUserDocument>): ExitedUserRepository {
  return {
    record: (entry: ExitedUser) =>
      wrap("exitedUsers.record", async () => {
        try {
          await entries.insertOne({ _id: entry.userId, userId: entry.userId, reason: entry.reason, exitedAt: new Date(entry.exitedAt) });
        } catch (error) {
          // The first record for a user is kept.
          if (!isDuplicateKey(error)) throw error;
        }
      }),

    get: (userId: string) =>
      wrap("exitedUsers.get", async () => {
        const doc = await entries.findOne({ _id: userId });
        return doc ? { userId: doc.userId, reason: doc.reason, exitedAt: doc.exitedAt } : null;
      }),

    filterExited: (userIds: readonly string[]) =>
      wrap("exitedUsers.filterExited", async () => {
        if (userIds.length === 0) return new Set<string>();
        const docs = await entries.find({ _id: { $in: [...userIds] } }, { projection: { _id: 1 } }).toArray();
        return new Set(docs.map((doc) => doc._id));
      }),

    listExitedBefore: (before: Date, after: string | null, limit: number) =>
      wrap("exitedUsers.listExitedBefore", async () => {
        const filter = { exitedAt: { $lt: new Date(before) }, ...(after === null ? {} : { _id: { $gt: after } }) };
        const docs = await entries.find(filter, { projection: { _id: 1 } }).sort({ _id: 1 }).limit(limit).toArray();
        return docs.map((doc) => doc._id);
      }),
  };
}
