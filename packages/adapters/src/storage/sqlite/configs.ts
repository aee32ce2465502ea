import { isLinked, StorageError, type ReferrerConfig, type ReferrerConfigRepository } from "@relance/core";
import { decode, encode, setFields } from "./codec.js";
import type { SqliteDatabase } from "./database.js";

type DocRow = { doc: string };
const read = (row: DocRow) => decode<ReferrerConfig>(row.doc);

/** One row per referrer, keyed by `referrerUserId` (also kept in the document). */
export function createSqliteConfigs(db: SqliteDatabase): ReferrerConfigRepository {
  async function get(referrerUserId: string): Promise<ReferrerConfig | null> {
    const row = db.get<DocRow>("configs.get", "SELECT doc FROM configs WHERE referrerUserId = ?", referrerUserId);
    return row ? read(row) : null;
  }

  return {
    get,

    async getIfChanged(referrerUserId, since) {
      // The document is read (and decoded) only when its version moved.
      const row = db.get<{ doc: string | null }>(
        "configs.getIfChanged",
        `SELECT CASE WHEN json_extract(doc, '$.updatedAt."$date"') = ? THEN NULL ELSE doc END AS doc FROM configs WHERE referrerUserId = ?`,
        since.getTime(),
        referrerUserId,
      );
      if (!row) return null;
      return row.doc === null ? "unchanged" : read({ doc: row.doc });
    },

    async getMany(referrerUserIds) {
      if (referrerUserIds.length === 0) return [];
      return db
        .all<DocRow>("configs.getMany", "SELECT doc FROM configs WHERE referrerUserId IN (SELECT value FROM json_each(?))", JSON.stringify(referrerUserIds))
        .map(read);
    },

    async getOrCreate(initial) {
      const inserted = db.get<DocRow>(
        "configs.getOrCreate",
        "INSERT INTO configs (referrerUserId, doc) VALUES (?, ?) ON CONFLICT DO NOTHING RETURNING doc",
        initial.referrerUserId,
        encode(initial),
      );
      if (inserted) return read(inserted);
      const existing = await get(initial.referrerUserId);
      if (!existing) throw new StorageError(`[sqlite] config ${initial.referrerUserId} refused as duplicate but not found`);
      return existing;
    },

    async update(referrerUserId, changes, condition) {
      const { referrerUserId: _id, createdAt: _created, ...fields } = changes as Partial<ReferrerConfig>;
      const set = setFields("doc", fields);
      if (set.params.length === 0) return get(referrerUserId);
      // One statement: the condition is checked against the row it writes.
      const where = condition ? "referrerUserId = ? AND json_extract(doc, '$.updatedAt.$date') = ?" : "referrerUserId = ?";
      const params = condition ? [referrerUserId, condition.updatedAt.getTime()] : [referrerUserId];
      const row = db.get<DocRow>("configs.update", `UPDATE configs SET doc = ${set.sql} WHERE ${where} RETURNING doc`, ...set.params, ...params);
      return row ? read(row) : null;
    },

    async markFailureNotified(referrerUserId, at) {
      const set = setFields("doc", { failureNotifiedAt: at });
      return (
        db.exec(
          "configs.markFailureNotified",
          `UPDATE configs SET doc = ${set.sql} WHERE referrerUserId = ? AND json_extract(doc, '$.failureNotifiedAt') IS NULL`,
          ...set.params,
          referrerUserId,
        ) > 0
      );
    },

    async delete(referrerUserId) {
      return db.exec("configs.delete", "DELETE FROM configs WHERE referrerUserId = ?", referrerUserId) > 0;
    },

    async listEnrollable() {
      return db.all<DocRow>("configs.listEnrollable", "SELECT doc FROM configs WHERE enabled = 1 AND enrollmentPaused = 0").map(read).filter(isLinked);
    },
  };
}
