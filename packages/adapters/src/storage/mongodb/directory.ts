import type { DirectoryRepository, Referral, StoredReferrer } from "@relance/core";
import type { Collection } from "mongodb";
import type { DirectoryReferralDocument, DirectoryReferrerDocument } from "./documents.js";
import { isDuplicateKey, wrap } from "./errors.js";
import { referralDocument, referrerDocument } from "../shared/directory-documents.js";

export function mongoDirectory(
  referrers: Collection<DirectoryReferrerDocument>,
  referrals: Collection<DirectoryReferralDocument>,
): DirectoryRepository {
  return {
    upsertReferrer: (referrer: StoredReferrer) =>
      wrap("directory.upsertReferrer", () => replaceOrInsert(referrers, referrerDocument(referrer))),

    getReferrer: (userId: string) =>
      wrap("directory.getReferrer", async () => {
        const doc = await referrers.findOne({ _id: userId });
        return doc ? fromReferrerDocument(doc) : null;
      }),

    upsertReferral: (referral: Referral) =>
      wrap("directory.upsertReferral", () => replaceOrInsert(referrals, referralDocument(referral))),

    listReferrals: (referrerId: string) =>
      wrap("directory.listReferrals", async () =>
        (await referrals.find({ referrerId }).sort({ createdAt: 1, userId: 1 }).toArray()).map(fromReferralDocument),
      ),
  };
}

/** Insert or replace by `_id`. */
async function replaceOrInsert<T extends { _id: string }>(collection: Collection<T>, doc: T): Promise<void> {
  // The driver's filter and replacement types do not resolve on a generic document.
  const filter = { _id: doc._id } as Parameters<Collection<T>["replaceOne"]>[0];
  try {
    await collection.replaceOne(filter, doc, { upsert: true });
  } catch (error) {
    // A concurrent upsert inserted the same key first: ours becomes a plain replace.
    if (!isDuplicateKey(error)) throw error;
    await collection.replaceOne(filter, doc);
  }
}


function fromReferrerDocument(doc: DirectoryReferrerDocument): StoredReferrer {
  return { userId: doc.userId, active: doc.active, name: doc.name, phone: doc.phone ?? null, updatedAt: doc.updatedAt };
}


function fromReferralDocument(doc: DirectoryReferralDocument): Referral {
  return {
    userId: doc.userId,
    referrerId: doc.referrerId,
    phone: doc.phone,
    name: doc.name,
    language: doc.language ?? null,
    createdAt: doc.createdAt,
    paid: doc.paid,
    paymentLink: doc.paymentLink ?? null,
  };
}
