import type { EnrollmentCursor, EnrollmentCursorRepository, Referral } from "@relance/core";
import type { DirectoryRepository, StoredReferrer } from "../../ports/directory-repository.js";
import { referralDocument, referrerDocument } from "../shared/directory-documents.js";
import { decode, encode } from "./codec.js";
import type { SqliteDatabase } from "./database.js";

type DocRow = { doc: string };

/** The stored shape without the `_id` the document stores need. */
function withoutKey<T extends { _id: string }>(doc: T): Omit<T, "_id"> {
  const { _id, ...fields } = doc;
  return fields;
}

/**
 * Referrers keyed by `userId`, referrals by (referrerId, userId). Every upsert of a referral
 * takes the next store-wide `seq` in the same statement (under SQLite's write lock, so numbers are
 * committed in order): "changed since" is `seq > cursor`, exact across processes, nothing repeated.
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

    async deleteUser(userId) {
      return db.transaction("directory.deleteUser", () => {
        const referrer = db.exec("directory.deleteUser", "DELETE FROM directory_referrers WHERE userId = ?", userId);
        return referrer + db.exec("directory.deleteUser", "DELETE FROM directory_referrals WHERE referrerId = ? OR userId = ?", userId, userId);
      });
    },

    async deleteReferralRecords(userIds) {
      if (userIds.length === 0) return 0;
      return db.exec("directory.deleteReferralRecords", "DELETE FROM directory_referrals WHERE userId IN (SELECT value FROM json_each(?))", JSON.stringify(userIds));
    },

    async deleteReferrals(keys) {
      if (keys.length === 0) return 0;
      return db.exec(
        "directory.deleteReferrals",
        `DELETE FROM directory_referrals WHERE (referrerId, userId) IN
           (SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?))`,
        JSON.stringify(keys.map((k) => [k.referrerId, k.userId])),
      );
    },

    async upsertReferral(referral) {
      db.transaction("directory.upsertReferral", () => {
        // A database from before the counter starts it at the highest seq it holds.
        db.exec(
          "directory.upsertReferral",
          `INSERT INTO directory_sequence (id, value) VALUES (1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM directory_referrals))
           ON CONFLICT (id) DO UPDATE SET value = value + 1`,
        );
        db.exec(
          "directory.upsertReferral",
          `INSERT INTO directory_referrals (referrerId, userId, doc, createdAt, seq)
           VALUES (?, ?, ?, ?, (SELECT value FROM directory_sequence WHERE id = 1))
           ON CONFLICT DO UPDATE SET doc = excluded.doc, createdAt = excluded.createdAt, seq = excluded.seq`,
          referral.referrerId,
          referral.userId,
          encode(withoutKey(referralDocument(referral))),
          new Date(referral.createdAt).getTime(),
        );
      });
    },

    async listReferrals(referrerId) {
      return db
        .all<DocRow>("directory.listReferrals", "SELECT doc FROM directory_referrals WHERE referrerId = ? ORDER BY createdAt, userId", referrerId)
        .map((row) => decode<Referral>(row.doc));
    },

    async getReferrals(referrerId, userIds) {
      if (userIds.length === 0) return [];
      return db
        .all<DocRow>(
          "directory.getReferrals",
          "SELECT doc FROM directory_referrals WHERE referrerId = ? AND userId IN (SELECT value FROM json_each(?))",
          referrerId,
          JSON.stringify(userIds),
        )
        .map((row) => decode<Referral>(row.doc));
    },

    async listReferralChanges(referrerId, since) {
      const rows = db.all<DocRow & { seq: number }>(
        "directory.listReferralChanges",
        "SELECT doc, seq FROM directory_referrals WHERE referrerId = ? AND seq > ? ORDER BY seq",
        referrerId,
        since === null ? 0 : Number(since),
      );
      const last = rows[rows.length - 1];
      return { items: rows.map((row) => decode<Referral>(row.doc)), cursor: last ? String(last.seq) : (since ?? "0") };
    },
  };
}

export function createSqliteEnrollmentCursors(db: SqliteDatabase): EnrollmentCursorRepository {
  return {
    async get(referrerUserId) {
      const row = db.get<DocRow>("enrollmentCursors.get", "SELECT doc FROM enrollment_cursors WHERE referrerUserId = ?", referrerUserId);
      return row ? decode<EnrollmentCursor>(row.doc) : null;
    },

    async set(cursor) {
      db.exec(
        "enrollmentCursors.set",
        "INSERT INTO enrollment_cursors (referrerUserId, doc) VALUES (?, ?) ON CONFLICT DO UPDATE SET doc = excluded.doc",
        cursor.referrerUserId,
        encode(cursor),
      );
    },
  };
}
