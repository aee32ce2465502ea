import type { EnrollmentCursor, EnrollmentCursorRepository, Referral } from "@relance/core";
import type { DirectoryRepository, StoredReferrer } from "../../ports/directory-repository.js";
import type { Collection } from "mongodb";
import type { DirectoryReferralDocument, DirectoryReferrerDocument, EnrollmentCursorDocument } from "./documents.js";
import { isDuplicateKey, wrap } from "./errors.js";
import { referralDocument, referralKey, referrerDocument } from "../shared/directory-documents.js";

/**
 * Referrals carry `changedAt`, stamped on each upsert; the incremental listing is `changedAt >=
 * cursor - lagMs`, cursor = the newest stamp seen. It repeats the referrals changed within
 * `lagMs` of the cursor (few), so that none is missed.
 */
export function mongoDirectory(
  referrers: Collection<DirectoryReferrerDocument>,
  referrals: Collection<DirectoryReferralDocument>,
  lagMs: number,
): DirectoryRepository {
  return {
    upsertReferrer: (referrer: StoredReferrer) =>
      wrap("directory.upsertReferrer", () => replaceOrInsert(referrers, referrerDocument(referrer))),

    getReferrer: (userId: string) =>
      wrap("directory.getReferrer", async () => {
        const doc = await referrers.findOne({ _id: userId });
        return doc ? fromReferrerDocument(doc) : null;
      }),

    deleteUser: (userId: string) =>
      wrap("directory.deleteUser", async () => {
        const referrer = await referrers.deleteOne({ _id: userId });
        const referralRecords = await referrals.deleteMany({ $or: [{ referrerId: userId }, { userId }] });
        return referrer.deletedCount + referralRecords.deletedCount;
      }),

    deleteReferralRecords: (userIds: readonly string[]) =>
      wrap("directory.deleteReferralRecords", async () => {
        if (userIds.length === 0) return 0;
        return (await referrals.deleteMany({ userId: { $in: [...userIds] } })).deletedCount;
      }),

    deleteReferrals: (keys: readonly { referrerId: string; userId: string }[]) =>
      wrap("directory.deleteReferrals", async () => {
        if (keys.length === 0) return 0;
        const ids = keys.map((k) => referralKey(k.referrerId, k.userId));
        return (await referrals.deleteMany({ _id: { $in: ids } })).deletedCount;
      }),

    upsertReferral: (referral: Referral) =>
      wrap("directory.upsertReferral", () => replaceOrInsert(referrals, { ...referralDocument(referral), changedAt: new Date() })),

    listReferrals: (referrerId: string) =>
      wrap("directory.listReferrals", async () =>
        (await referrals.find({ referrerId }).sort({ createdAt: 1, userId: 1 }).toArray()).map(fromReferralDocument),
      ),

    getReferrals: (referrerId: string, userIds: readonly string[]) =>
      wrap("directory.getReferrals", async () => {
        if (userIds.length === 0) return [];
        // The `_id` of `referralDocument`.
        const ids = [...new Set(userIds)].map((userId) => JSON.stringify([referrerId, userId]));
        return (await referrals.find({ _id: { $in: ids } }).toArray()).map(fromReferralDocument);
      }),

    listReferralChanges: (referrerId: string, since: string | null) =>
      wrap("directory.listReferralChanges", async () => {
        const filter = since === null ? { referrerId } : { referrerId, changedAt: { $gte: new Date(Number(since) - lagMs) } };
        const docs = await referrals.find(filter).sort({ changedAt: 1, _id: 1 }).toArray();
        const newest = docs.reduce((max, doc) => Math.max(max, doc.changedAt?.getTime() ?? 0), since === null ? 0 : Number(since));
        return { items: docs.map(fromReferralDocument), cursor: String(newest) };
      }),
  };
}

export function mongoEnrollmentCursors(cursors: Collection<EnrollmentCursorDocument>): EnrollmentCursorRepository {
  return {
    get: (referrerUserId: string) =>
      wrap("enrollmentCursors.get", async () => {
        const doc = await cursors.findOne({ _id: referrerUserId });
        return doc ? { referrerUserId: doc.referrerUserId, since: doc.since ?? null, waiting: doc.waiting ?? [], updatedAt: doc.updatedAt } : null;
      }),

    set: (cursor: EnrollmentCursor) =>
      wrap("enrollmentCursors.set", () =>
        replaceOrInsert(cursors, {
          _id: cursor.referrerUserId,
          referrerUserId: cursor.referrerUserId,
          since: cursor.since,
          waiting: [...cursor.waiting],
          updatedAt: new Date(cursor.updatedAt),
        }),
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
