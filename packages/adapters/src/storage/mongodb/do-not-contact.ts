import type { DoNotContactEntry, DoNotContactRepository, E164 } from "@relance/core";
import type { Collection } from "mongodb";
import type { DoNotContactDocument } from "./documents.js";
import { isDuplicateKey, wrap } from "./errors.js";

export function mongoDoNotContact(entries: Collection<DoNotContactDocument>): DoNotContactRepository {
  return {
    add: (entry: DoNotContactEntry) =>
      wrap("doNotContact.add", async () => {
        try {
          await entries.insertOne({
            _id: entry.phone,
            phone: entry.phone,
            reason: entry.reason,
            referrerUserId: entry.referrerUserId,
            addedAt: entry.addedAt,
          });
        } catch (error) {
          // The first entry for a number is kept.
          if (!isDuplicateKey(error)) throw error;
        }
      }),

    has: (phone: E164) => wrap("doNotContact.has", async () => (await entries.countDocuments({ _id: phone }, { limit: 1 })) > 0),

    filterListed: (phones: readonly E164[]) =>
      wrap("doNotContact.filterListed", async () => {
        if (phones.length === 0) return new Set<E164>();
        const docs = await entries.find({ _id: { $in: [...phones] } }, { projection: { _id: 1 } }).toArray();
        return new Set(docs.map((doc) => doc._id));
      }),

    remove: (phone: E164) => wrap("doNotContact.remove", async () => (await entries.deleteOne({ _id: phone })).deletedCount === 1),
  };
}
