import type { DoNotContactRepository, E164 } from "@relance/core";
import type { Collection } from "./collection.js";
import { toDocument } from "./documents.js";

/** Keyed by phone number; the unique `_id` keeps the first entry. */
export function createFileDoNotContact(entries: Collection): DoNotContactRepository {
  return {
    async add(entry) {
      await entries.insert(toDocument(entry.phone, entry));
    },

    async has(phone) {
      return (await entries.findOne({ _id: phone })) !== null;
    },

    async filterListed(phones) {
      if (phones.length === 0) return new Set<E164>();
      const docs = await entries.find({ _id: { $in: [...phones] } }, { projection: { _id: 1 } });
      return new Set(docs.map((doc) => doc._id));
    },

    async remove(phone) {
      return (await entries.remove({ _id: phone })) > 0;
    },
  };
}
