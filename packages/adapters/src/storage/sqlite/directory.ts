import type { DirectoryRepository, Referral, StoredReferrer } from "@relance/core";
import { referralDocument, referrerDocument } from "../shared/directory-documents";
import { decode, encode } from "./codec";
import type { SqliteDatabase } from "./database";

type DocRow = { doc: string };

/** The stored shape without the `_id` the document stores need. */
function withoutKey<T extends { _id: string }>(doc: T): Omit<T, "_id"> {
  const { _id, ...fields } = doc;
  return fields;
}

/**
 * Referrers keyed by `userId`, referrals by (referrerId, userId). Every upsert of a referral
 * takes the next store-wide `seq` in the same statement (under SQLite's write lock, so numbers are
 * committed in order): "changed since" is `seq > cursor`, exact across processes.
 */
export function createSqliteDirectory(db: SqliteDatabase): DirectoryRepository {
  return {
    async upsertReferrer(referrer) {
      db.exec(
        "directory.upsertReferrer",
        "INSERT INTO directory_referrers (userId, doc) VALUES (?, ?) ON CONFLICT DO UPDATE SET doc = excluded.doc",
        referrer.userId,
        encode(withoutKey(referrerDocument(referrer))),
      );
    },

    async getReferrer(userId) {
      const row = db.get<DocRow>("directory.getReferrer", "SELECT doc FROM directory_referrers WHERE userId = ?", userId);
      return row ? decode<StoredReferrer>(row.doc) : null;
    },

    async upsertReferral(referral) {
      db.exec(
        "directory.upsertReferral",
        `INSERT INTO directory_referrals (referrerId, userId, doc, createdAt, seq)
         VALUES (?, ?, ?, ?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM directory_referrals))
         ON CONFLICT DO UPDATE SET doc = excluded.doc, createdAt = excluded.createdAt, seq = excluded.seq`,
        referral.referrerId,
        referral.userId,
        encode(withoutKey(referralDocument(referral))),
        new Date(referral.createdAt).getTime(),
      );
    },

    async listReferrals(referrerId) {
      return db
        .all<DocRow>("directory.listReferrals", "SELECT doc FROM directory_referrals WHERE referrerId = ? ORDER BY createdAt, userId", referrerId)
        .map((row) => decode<Referral>(row.doc));
    },
  };
}
