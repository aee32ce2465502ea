import type { ExitedUser, ExitedUserRepository } from "@relance/core";
import type { Collection, FileDocument } from "./collection.js";
import { fromDocument } from "./documents.js";

/** Keyed by `userId`; the unique `_id` keeps the first record. Only the known fields are stored. */
export function createFileExitedUsers(entries: Collection): ExitedUserRepository {
  return {
    async record(entry) {
      await entries.insert(toExitedUserDocument(entry));
    },

    async get(userId) {
      const doc = await entries.findOne({ _id: userId });
      return doc ? fromDocument<ExitedUser>(doc) : null;
    },

    async filterExited(userIds) {
      if (userIds.length === 0) return new Set<string>();
      const docs = await entries.find({ _id: { $in: [...userIds] } }, { projection: { _id: 1 } });
      return new Set(docs.map((doc) => doc._id));
    },
  };
}

function toExitedUserDocument(entry: ExitedUser): FileDocument {
  return { _id: entry.userId, userId: entry.userId, reason: entry.reason, exitedAt: new Date(entry.exitedAt) };
}
