import type { DirectoryRepository, Referral, StoredReferrer } from "@relance/core";
import type { Collection, FileDocument } from "./collection";
import { fromDocument } from "./documents";

/**
 * Referrers keyed by `userId`; referrals by `JSON.stringify([referrerId, userId])`, unambiguous
 * whatever the ids contain. Both keep the platform's field names; only the known fields are stored.
 */
export function createFileDirectory(referrers: Collection, referrals: Collection): DirectoryRepository {
  const referralKey = (referrerId: string, userId: string) => JSON.stringify([referrerId, userId]);

  return {
    async upsertReferrer(referrer) {
      await referrers.replaceOrInsert(toReferrerDocument(referrer));
    },

    async getReferrer(userId) {
      const doc = await referrers.findOne({ _id: userId });
      return doc ? fromDocument<StoredReferrer>(doc) : null;
    },

    async upsertReferral(referral) {
      await referrals.replaceOrInsert(toReferralDocument(referralKey(referral.referrerId, referral.userId), referral));
    },

    async listReferrals(referrerId) {
      const docs = await referrals.find({ referrerId }, { sort: { createdAt: 1, userId: 1 } });
      return docs.map((doc) => fromDocument<Referral>(doc));
    },
  };
}

function toReferrerDocument(referrer: StoredReferrer): FileDocument {
  return {
    _id: referrer.userId,
    userId: referrer.userId,
    active: referrer.active,
    name: referrer.name,
    phone: referrer.phone,
    updatedAt: new Date(referrer.updatedAt),
  };
}

function toReferralDocument(key: string, referral: Referral): FileDocument {
  return {
    _id: key,
    userId: referral.userId,
    referrerId: referral.referrerId,
    phone: referral.phone,
    name: referral.name,
    language: referral.language,
    createdAt: new Date(referral.createdAt),
    paid: referral.paid,
    paymentLink: referral.paymentLink,
  };
}
