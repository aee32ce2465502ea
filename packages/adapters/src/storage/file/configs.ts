import { isLinked, StorageError, type ReferrerConfig, type ReferrerConfigRepository } from "@relance/core";
import type { Collection, FileDocument } from "./collection.js";
import { definedFields, fromDocument, toDocument } from "./documents.js";

/** One document per referrer, keyed by `referrerUserId` (also kept as a field). */
export function createFileConfigs(configs: Collection): ReferrerConfigRepository {
  const read = (doc: FileDocument) => fromDocument<ReferrerConfig>(doc);

  async function get(referrerUserId: string): Promise<ReferrerConfig | null> {
    const doc = await configs.findOne({ _id: referrerUserId });
    return doc ? read(doc) : null;
  }

  return {
    get,

    async getMany(referrerUserIds) {
      if (referrerUserIds.length === 0) return [];
      return (await configs.find({ _id: { $in: [...referrerUserIds] } })).map(read);
    },

    async getOrCreate(initial) {
      // The unique _id makes the insert the atomic step; a loser reads the winner's config.
      if (await configs.insert(toDocument(initial.referrerUserId, initial))) return structuredClone(initial);
      const existing = await configs.findOne({ _id: initial.referrerUserId });
      if (!existing) throw new StorageError(`[file] config ${initial.referrerUserId} refused as duplicate but not found`);
      return read(existing);
    },

    async update(referrerUserId, changes) {
      const fields = definedFields(changes);
      delete fields.referrerUserId;
      delete fields.createdAt;
      if (Object.keys(fields).length === 0) return get(referrerUserId);
      const doc = await configs.updateOne({ _id: referrerUserId }, { $set: fields });
      return doc ? read(doc) : null;
    },

    async markFailureNotified(referrerUserId, at) {
      const doc = await configs.updateOne({ _id: referrerUserId, failureNotifiedAt: null }, { $set: { failureNotifiedAt: new Date(at) } });
      return doc !== null;
    },

    async listEnrollable() {
      const candidates = await configs.find({ enabled: true, enrollmentPaused: false });
      return candidates.map(read).filter(isLinked);
    },
  };
}
