import { addDeliveries, addLiftOutcome, addTargetOutcome, emptyLiftCounts, emptyTargetStats, PURGED_CONTACT, type ExitReason, type Target, type TargetRepository, type TargetStatus } from "@relance/core";
import { checkChanges, decodeCursor, encodeCursor, hasMessageId } from "../shared/target-rules.js";
import { decode, encode, setFields } from "./codec.js";
import type { SqliteDatabase } from "./database.js";
import { countSlots, fullSlot } from "./records.js";
import { changesExpression, conditionClause, listClause, unclaimedAt } from "./target-sql.js";

type DocRow = { doc: string };

const read = (row: DocRow): Target => decode<Target>(row.doc);

/** JSON array parameter: `IN (SELECT value FROM json_each(?))` takes a list of any length in one prepared statement. */
const list = (values: readonly string[]) => JSON.stringify(values);

/**
 * Keyed by target id, the document in `doc`; the unique index on (referrerUserId, referralUserId)
 * enforces "once ever". Every conditional write is one `UPDATE … WHERE <condition> RETURNING`.
 */
export function createSqliteTargets(db: SqliteDatabase): TargetRepository {
  /** The conditional update of one target (synchronous, so transactions can hold it with their counts). */
  function updateById(id: string, condition: Parameters<TargetRepository["updateIf"]>[1], changes: Parameters<TargetRepository["updateIf"]>[2]): Target | null {
    const where = conditionClause(condition);
    const set = changesExpression(changes);
    const row = db.get<DocRow>("targets.update", `UPDATE targets SET doc = ${set.sql} WHERE id = ? AND ${where.sql} RETURNING doc`, ...set.params, id, ...where.params);
    return row ? read(row) : null;
  }

  return {
    async insertIfAbsent(target) {
      return db.exec("targets.insert", "INSERT INTO targets (id, doc) VALUES (?, ?) ON CONFLICT DO NOTHING", target.id, encode(target)) > 0;
    },

    async get(id) {
      const row = db.get<DocRow>("targets.get", "SELECT doc FROM targets WHERE id = ?", id);
      return row ? read(row) : null;
    },

    async findExistingReferralIds(referrerUserId, referralUserIds) {
      if (referralUserIds.length === 0) return new Set<string>();
      const rows = db.all<{ referralUserId: string }>(
        "targets.findExisting",
        "SELECT referralUserId FROM targets WHERE referrerUserId = ? AND referralUserId IN (SELECT value FROM json_each(?))",
        referrerUserId,
        list(referralUserIds),
      );
      return new Set(rows.map((row) => row.referralUserId));
    },

    async listDueReferrers(now, limit) {
      const rows = db.all<{ referrerUserId: string }>(
        "targets.listDueReferrers",
        `SELECT referrerUserId, MIN(nextMessageDue) AS firstDue FROM targets
         WHERE status = 'active' AND nextMessageDue <= ?
         GROUP BY referrerUserId ORDER BY firstDue, referrerUserId LIMIT ?`,
        now.getTime(),
        limit,
      );
      return rows.map((row) => row.referrerUserId);
    },

    async listDue(referrerUserId, now, limit) {
      const free = unclaimedAt(now);
      const rows = db.all<DocRow>(
        "targets.listDue",
        `SELECT doc FROM targets WHERE referrerUserId = ? AND status = 'active' AND nextMessageDue <= ? AND ${free.sql}
         ORDER BY nextMessageDue, id LIMIT ?`,
        referrerUserId,
        now.getTime(),
        ...free.params,
        limit,
      );
      return rows.map(read);
    },

    async listInterrupted(now, limit) {
      const rows = db.all<DocRow>(
        "targets.listInterrupted",
        "SELECT doc FROM targets WHERE claimStage = 'sending' AND claimExpiresAt <= ? ORDER BY claimExpiresAt, id LIMIT ?",
        now.getTime(),
        limit,
      );
      return rows.map(read);
    },

    async updateIf(id, condition, changes) {
      checkChanges("sqlite", "targets.updateIf", changes);
      return updateById(id, condition, changes);
    },

    async updateIfCounting(id, condition, changes, { owner, key }) {
      checkChanges("sqlite", "targets.updateIfCounting", changes);
      // One IMMEDIATE transaction (one commit of the turn's group): the count and the write land together.
      return db.transaction("targets.updateIfCounting", () => {
        const target = updateById(id, condition, changes);
        if (target) countSlots(db, owner, [{ day: key, cap: Number.POSITIVE_INFINITY }]);
        return target;
      });
    },

    async claimReserving(id, condition, changes, { referrerUserId, slots }) {
      checkChanges("sqlite", "targets.claimReserving", changes);
      // One IMMEDIATE transaction: the counts are checked first (nothing written while one is
      // full), then the conditional update, then the counts, all under the write lock.
      return db.transaction("targets.claimReserving", () => {
        const full = fullSlot(db, referrerUserId, slots);
        if (full >= 0) return { claimed: null, full };
        const claimed = updateById(id, condition, changes);
        if (!claimed) return { claimed: null, full: null };
        countSlots(db, referrerUserId, slots);
        return { claimed };
      });
    },

    async deferDue(referrerUserId, now, until) {
      const set = changesExpression({ nextMessageDue: until, updatedAt: now });
      const free = unclaimedAt(now);
      return db.exec(
        "targets.deferDue",
        `UPDATE targets SET doc = ${set.sql} WHERE referrerUserId = ? AND status = 'active' AND nextMessageDue <= ? AND ${free.sql}`,
        ...set.params,
        referrerUserId,
        now.getTime(),
        ...free.params,
      );
    },

    async resumeDue(referrerUserId, now, until) {
      const set = changesExpression({ nextMessageDue: now, updatedAt: now });
      const free = unclaimedAt(now);
      return db.exec(
        "targets.resumeDue",
        `UPDATE targets SET doc = ${set.sql} WHERE referrerUserId = ? AND status = 'active' AND nextMessageDue > ? AND nextMessageDue <= ? AND ${free.sql}`,
        ...set.params,
        referrerUserId,
        now.getTime(),
        until.getTime(),
        ...free.params,
      );
    },

    async exitActiveOfReferrer(referrerUserId, reason: ExitReason, at) {
      const exited: TargetStatus = "exited";
      const set = changesExpression({ status: exited, exitReason: reason, exitedLoopAt: at, nextMessageDue: null, updatedAt: at });
      return db.exec(
        "targets.exitActiveOfReferrer",
        `UPDATE targets SET doc = ${set.sql} WHERE referrerUserId = ? AND status IN ('active', 'holdout')`,
        ...set.params,
        referrerUserId,
      );
    },

    async completeHoldouts(now, limit) {
      if (!(limit >= 1)) return 0;
      const completed: TargetStatus = "completed";
      const set = changesExpression({ status: completed, exitReason: "completed_7_days", exitedLoopAt: now, nextMessageDue: null, updatedAt: now });
      // One statement: the selection and the write are one atomic step (`targets_due` index).
      return db.exec(
        "targets.completeHoldouts",
        `UPDATE targets SET doc = ${set.sql}
         WHERE id IN (SELECT id FROM targets WHERE status = 'holdout' AND nextMessageDue <= ? ORDER BY nextMessageDue, id LIMIT ?)`,
        ...set.params,
        now.getTime(),
        Math.floor(limit),
      );
    },

    async listPurgeable(endedBefore, limit) {
      return db.all<{ id: string; referrerUserId: string; referralUserId: string }>(
        "targets.listPurgeable",
        `SELECT id, referrerUserId, referralUserId FROM targets
         WHERE status != 'active' AND json_extract(doc, '$.exitedLoopAt."$date"') < ? AND phone != ? ORDER BY id LIMIT ?`,
        endedBefore.getTime(),
        PURGED_CONTACT.phone,
        limit,
      );
    },

    async purgeContacts(ids) {
      if (ids.length === 0) return 0;
      const set = setFields("doc", { contact: PURGED_CONTACT });
      return db.exec(
        "targets.purgeContacts",
        `UPDATE targets SET doc = json_set(${set.sql}, '$.revision', revision + 1)
         WHERE id IN (SELECT value FROM json_each(?)) AND status != 'active' AND phone != ?`,
        ...set.params,
        list(ids),
        PURGED_CONTACT.phone,
      );
    },

    async deleteByUser(userId) {
      return db.transaction("targets.deleteByUser", () => {
        db.exec(
          "targets.deleteByUser",
          "DELETE FROM target_message_ids WHERE targetId IN (SELECT id FROM targets WHERE referralUserId = ? OR referrerUserId = ?)",
          userId,
          userId,
        );
        return db.exec("targets.deleteByUser", "DELETE FROM targets WHERE referralUserId = ? OR referrerUserId = ?", userId, userId);
      });
    },

    async phonesOfReferral(referralUserId) {
      const rows = db.all<{ phone: string | null }>("targets.phonesOfReferral", "SELECT DISTINCT phone FROM targets WHERE referralUserId = ? ORDER BY phone", referralUserId);
      return rows.flatMap((row) => (row.phone ? [row.phone] : []));
    },

    async contactsOfReferral(referralUserId) {
      const rows = db.all<{ referrerUserId: string; phone: string | null }>(
        "targets.contactsOfReferral",
        "SELECT DISTINCT referrerUserId, phone FROM targets WHERE referralUserId = ? ORDER BY referrerUserId, phone",
        referralUserId,
      );
      return rows.flatMap((row) => (row.phone ? [{ referrerUserId: row.referrerUserId, phone: row.phone }] : []));
    },

    async listActiveByReferral(referralUserId) {
      const rows = db.all<DocRow>(
        "targets.listActiveByReferral",
        "SELECT doc FROM targets WHERE referralUserId = ? AND status IN ('active', 'holdout') ORDER BY id",
        referralUserId,
      );
      return rows.map(read);
    },

    async listActiveByReferrer(referrerUserId, phone) {
      const rows =
        phone === undefined
          ? db.all<DocRow>("targets.listActiveByReferrer", "SELECT doc FROM targets WHERE referrerUserId = ? AND status IN ('active', 'holdout') ORDER BY id", referrerUserId)
          : db.all<DocRow>(
              "targets.listActiveByReferrer",
              "SELECT doc FROM targets WHERE referrerUserId = ? AND phone = ? AND status IN ('active', 'holdout') ORDER BY id",
              referrerUserId,
              phone,
            );
      return rows.map(read);
    },

    async findByMessageId(messageId) {
      const row = db.get<DocRow>(
        "targets.findByMessageId",
        "SELECT t.doc FROM target_message_ids AS m JOIN targets AS t ON t.id = m.targetId WHERE m.messageId = ?",
        messageId,
      );
      // The index only grows: a delivery replaced since then no longer holds the id.
      const target = row ? read(row) : null;
      return target && hasMessageId(target, messageId) ? target : null;
    },

    async list(filter, page) {
      const after = page.after ? decodeCursor(page.after) : null;
      const where = listClause(filter, after);
      // One more than asked tells whether a next page exists.
      const rows = db.all<DocRow>("targets.list", `SELECT doc FROM targets WHERE ${where.sql} ORDER BY id LIMIT ?`, ...where.params, page.limit + 1);
      const items = rows.slice(0, page.limit).map(read);
      const last = items[items.length - 1];
      return { items, nextCursor: rows.length > page.limit && last ? encodeCursor(last.id) : null };
    },

    async stats(filter) {
      const scope = filter.referrerUserId === undefined ? { sql: "1", params: [] } : { sql: "referrerUserId = ?", params: [filter.referrerUserId] };
      const stats = emptyTargetStats();
      const outcomes = db.all<{ status: TargetStatus; exitReason: ExitReason | null; lastSentDay: number | null; lastSentVariant: string | null; n: number }>(
        "targets.stats",
        `SELECT status, json_extract(doc, '$.exitReason') AS exitReason, json_extract(doc, '$.lastSentDay') AS lastSentDay,
                json_extract(doc, '$.lastSentVariant') AS lastSentVariant, COUNT(*) AS n
         FROM targets WHERE ${scope.sql} GROUP BY 1, 2, 3, 4`,
        ...scope.params,
      );
      for (const row of outcomes) addTargetOutcome(stats, row, row.n);
      const deliveries = db.all<{ status: string | null; day: number | null; variant: string | null; n: number }>(
        "targets.stats",
        `SELECT json_extract(d.value, '$.status') AS status, json_extract(d.value, '$.day') AS day, json_extract(d.value, '$.variant') AS variant, COUNT(*) AS n
         FROM targets, json_each(targets.doc, '$.messagesDelivered') AS d WHERE ${scope.sql} GROUP BY 1, 2, 3`,
        ...scope.params,
      );
      for (const row of deliveries) addDeliveries(stats, row.status, row.n, row.day, row.variant);
      return stats;
    },

    async liftCounts(filter) {
      const scope = filter.referrerUserId === undefined ? { sql: "1", params: [] } : { sql: "referrerUserId = ?", params: [filter.referrerUserId] };
      const counts = emptyLiftCounts();
      const rows = db.all<{ grp: string; exitReason: string | null; exitDay: number | null; n: number }>(
        "targets.liftCounts",
        `SELECT json_extract(doc, '$.group') AS grp, json_extract(doc, '$.exitReason') AS exitReason, json_extract(doc, '$.exitDay') AS exitDay, COUNT(*) AS n
         FROM targets WHERE ${scope.sql} AND json_extract(doc, '$.group') IS NOT NULL GROUP BY 1, 2, 3`,
        ...scope.params,
      );
      for (const row of rows) addLiftOutcome(counts, { group: row.grp, exitReason: row.exitReason, exitDay: row.exitDay }, row.n);
      return counts;
    },
  };
}
