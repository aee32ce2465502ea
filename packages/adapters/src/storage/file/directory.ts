import type { DirectoryRepository, Referral, StoredReferrer } from "@relance/core";
import type { Collection } from "./collection.js";
import { fromDocument } from "./documents.js";
import { referralDocument, referrerDocument } from "../shared/directory-documents.js";

/**
 * Referrers keyed by `userId`; referrals by `JSON.stringify([referrerId, userId])`, unambiguous
 * whatever the ids contain. Both keep the platform's field names; only the known fields are stored.
 */
export function createFileDirectory(referrers: Collection, referrals: Collection): DirectoryRepository {
  return {
    async upsertReferrer(referrer) {
      await referrers.replaceOrInsert(referrerDocument(referrer));
    },

    async getReferrer(userId) {
      const doc = await referrers.findOne({ _id: userId });
      return doc ? fromDocument<StoredReferrer>(doc) : null;
    },

    async upsertReferral(referral) {
      await referrals.replaceOrInsert(referralDocument(referral));
    },

    async listReferrals(referrerId) {
      const docs = await referrals.find({ referrerId }, { sort: { createdAt: 1, userId: 1 } });
      return docs.map((doc) => fromDocument<Referral>(doc));
    },
  };
}
