import type {
  CappedCounterRepository,
  CounterSlot,
  CounterSlotsAnswer,
  DoNotContactEntry,
  DoNotContactRepository,
  E164,
  ExitedUser,
  ExitedUserRepository,
  LeaseRepository,
  MessageDefinition,
  MessageRepository,
  SettingsRepository,
  StoredSettings,
} from "@relance/core";
import type { SessionEntry, SessionRepository } from "../../ports/session-repository.js";
import { decode, encode } from "./codec.js";
import type { SqliteDatabase } from "./database.js";

type DocRow = { doc: string };
const list = (values: readonly string[]) => JSON.stringify(values);

export function createSqliteMessages(db: SqliteDatabase): MessageRepository {
  return {
    async list() {
      return db.all<DocRow>("messages.list", "SELECT doc FROM messages ORDER BY dayNumber").map((row) => decode<MessageDefinition>(row.doc));
    },

    async get(dayNumber) {
      const row = db.get<DocRow>("messages.get", "SELECT doc FROM messages WHERE dayNumber = ?", dayNumber);
      return row ? decode<MessageDefinition>(row.doc) : null;
    },

    async upsert(message) {
      const created = db.transaction("messages.upsert", () => {
        const existed = db.get("messages.upsert", "SELECT 1 FROM messages WHERE dayNumber = ?", message.dayNumber) !== undefined;
        db.exec(
          "messages.upsert",
          "INSERT INTO messages (dayNumber, doc) VALUES (?, ?) ON CONFLICT (dayNumber) DO UPDATE SET doc = excluded.doc",
          message.dayNumber,
          encode(message),
        );
        return !existed;
      });
      return { created, message: structuredClone(message) };
    },

    async delete(dayNumber) {
      return db.exec("messages.delete", "DELETE FROM messages WHERE dayNumber = ?", dayNumber) > 0;
    },
  };
}

/** The index of the first slot at its cap, or -1. Inside a transaction (the targets' `claimReserving` shares it). */
export function fullSlot(db: SqliteDatabase, referrerUserId: string, slots: readonly CounterSlot[]): number {
  return slots.findIndex(
    (slot) => (db.get<{ count: number }>("counters.get", "SELECT count FROM counters WHERE referrerUserId = ? AND day = ?", referrerUserId, slot.day)?.count ?? 0) >= slot.cap,
  );
}

/** Adds 1 to every slot's counter. Inside a transaction, after `fullSlot` found none full. */
export function countSlots(db: SqliteDatabase, referrerUserId: string, slots: readonly CounterSlot[]): void {
  for (const slot of slots) {
    db.exec(
      "counters.tryIncrementAll",
      "INSERT INTO counters (referrerUserId, day, count) VALUES (?, ?, 1) ON CONFLICT (referrerUserId, day) DO UPDATE SET count = count + 1",
      referrerUserId,
      slot.day,
    );
  }
}

function countAll(db: SqliteDatabase, referrerUserId: string, slots: readonly CounterSlot[]): CounterSlotsAnswer {
  const full = fullSlot(db, referrerUserId, slots);
  if (full >= 0) return { counted: false, full };
  countSlots(db, referrerUserId, slots);
  return { counted: true };
}

export function createSqliteCounters(db: SqliteDatabase): CappedCounterRepository {
  return {
    async tryIncrement(referrerUserId, day, cap) {
      if (cap <= 0) return null;
      // One statement: creates the counter at 1, or adds one only while below the cap.
      const row = db.get<{ count: number }>(
        "counters.tryIncrement",
        `INSERT INTO counters (referrerUserId, day, count) VALUES (?, ?, 1)
         ON CONFLICT (referrerUserId, day) DO UPDATE SET count = count + 1 WHERE count < ? RETURNING count`,
        referrerUserId,
        day,
        cap,
      );
      return row ? row.count : null;
    },

    async tryIncrementAll(referrerUserId, slots) {
      // One IMMEDIATE transaction (a savepoint inside the turn's group): the write lock is held,
      // so the counts read are the ones written.
      return db.transaction("counters.tryIncrementAll", () => countAll(db, referrerUserId, slots));
    },

    async decrement(referrerUserId, day) {
      db.exec("counters.decrement", "UPDATE counters SET count = count - 1 WHERE referrerUserId = ? AND day = ? AND count > 0", referrerUserId, day);
    },

    async get(referrerUserId, day) {
      return db.get<{ count: number }>("counters.get", "SELECT count FROM counters WHERE referrerUserId = ? AND day = ?", referrerUserId, day)?.count ?? 0;
    },

    async sumForDay(day) {
      return db.get<{ total: number | null }>("counters.sumForDay", "SELECT SUM(count) AS total FROM counters WHERE day = ?", day)?.total ?? 0;
    },

    async listRange(owner, fromKey, toKey) {
      // A range on the primary key (referrerUserId, day). BINARY collation: plain string order.
      return db
        .all<{ key: string; count: number }>(
          "counters.listRange",
          "SELECT day AS key, count FROM counters WHERE referrerUserId = ? AND day >= ? AND day < ? AND count > 0 ORDER BY day",
          owner,
          fromKey,
          toKey,
        )
        .map((row) => ({ key: row.key, count: row.count }));
    },

    async purgeBefore(ownerPrefix, before) {
      // A range on the primary key's first column (no LIKE: the prefix is taken literally).
      return db.exec(
        "counters.purgeBefore",
        "DELETE FROM counters WHERE referrerUserId >= ? AND referrerUserId < ? AND day < ?",
        ownerPrefix,
        `${ownerPrefix}\u{10FFFF}`,
        before,
      );
    },
  };
}

/** Keyed by phone number; the first entry is kept. */
export function createSqliteDoNotContact(db: SqliteDatabase): DoNotContactRepository {
  return {
    async add(entry: DoNotContactEntry) {
      db.exec("doNotContact.add", "INSERT INTO do_not_contact (phone, doc) VALUES (?, ?) ON CONFLICT DO NOTHING", entry.phone, encode(entry));
    },

    async has(phone) {
      return db.get("doNotContact.has", "SELECT 1 FROM do_not_contact WHERE phone = ?", phone) !== undefined;
    },

    async filterListed(phones) {
      if (phones.length === 0) return new Set<E164>();
      const rows = db.all<{ phone: E164 }>("doNotContact.filterListed", "SELECT phone FROM do_not_contact WHERE phone IN (SELECT value FROM json_each(?))", list(phones));
      return new Set(rows.map((row) => row.phone));
    },

    async remove(phone) {
      return db.exec("doNotContact.remove", "DELETE FROM do_not_contact WHERE phone = ?", phone) > 0;
    },
  };
}

/** Keyed by `userId`; the first record is kept. Only the known fields are stored. */
export function createSqliteExitedUsers(db: SqliteDatabase): ExitedUserRepository {
  return {
    async record(entry) {
      const doc: ExitedUser = { userId: entry.userId, reason: entry.reason, exitedAt: new Date(entry.exitedAt) };
      db.exec("exitedUsers.record", "INSERT INTO exited_users (userId, doc) VALUES (?, ?) ON CONFLICT DO NOTHING", entry.userId, encode(doc));
    },

    async get(userId) {
      const row = db.get<DocRow>("exitedUsers.get", "SELECT doc FROM exited_users WHERE userId = ?", userId);
      return row ? decode<ExitedUser>(row.doc) : null;
    },

    async filterExited(userIds) {
      if (userIds.length === 0) return new Set<string>();
      const rows = db.all<{ userId: string }>("exitedUsers.filterExited", "SELECT userId FROM exited_users WHERE userId IN (SELECT value FROM json_each(?))", list(userIds));
      return new Set(rows.map((row) => row.userId));
    },

    async listExitedBefore(before, after, limit) {
      // exitedAt is in the document, encoded { $date: ms } (codec.ts): a daily scan, in id order.
      const rows = db.all<{ userId: string }>(
        "exitedUsers.listExitedBefore",
        `SELECT userId FROM exited_users WHERE userId > ? AND json_extract(doc, '$.exitedAt."$date"') < ? ORDER BY userId LIMIT ?`,
        after ?? "",
        before.getTime(),
        limit,
      );
      return rows.map((row) => row.userId);
    },
  };
}

export function createSqliteLeases(db: SqliteDatabase): LeaseRepository {
  return {
    async acquire(name, owner, now, ttlMs) {
      // One statement: takes a free lease, an expired one, or renews its own.
      const row = db.get(
        "leases.acquire",
        `INSERT INTO leases (name, owner, expiresAt) VALUES (?, ?, ?)
         ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expiresAt = excluded.expiresAt
         WHERE leases.owner = excluded.owner OR leases.expiresAt <= ? RETURNING owner`,
        name,
        owner,
        now.getTime() + ttlMs,
        now.getTime(),
      );
      return row !== undefined;
    },

    async release(name, owner) {
      return db.exec("leases.release", "DELETE FROM leases WHERE name = ? AND owner = ?", name, owner) > 0;
    },

    async get(name) {
      const row = db.get<{ name: string; owner: string; expiresAt: number }>("leases.get", "SELECT name, owner, expiresAt FROM leases WHERE name = ?", name);
      return row ? { name: row.name, owner: row.owner, expiresAt: new Date(row.expiresAt) } : null;
    },
  };
}

/** One row per (session, key): transport keys are any strings. */
export function createSqliteSessions(db: SqliteDatabase): SessionRepository {
  return {
    async get(sessionId, keys) {
      if (keys.length === 0) return {};
      const rows = db.all<{ key: string; value: string }>(
        "sessions.get",
        "SELECT key, value FROM sessions WHERE sessionId = ? AND key IN (SELECT value FROM json_each(?))",
        sessionId,
        list(keys),
      );
      return Object.fromEntries(rows.map((row) => [row.key, row.value]));
    },

    async set(sessionId, entries) {
      db.transaction("sessions.set", () => {
        for (const [key, value] of Object.entries(entries)) {
          if (value === null) db.exec("sessions.set", "DELETE FROM sessions WHERE sessionId = ? AND key = ?", sessionId, key);
          else
            db.exec(
              "sessions.set",
              "INSERT INTO sessions (sessionId, key, value) VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET value = excluded.value",
              sessionId,
              key,
              value,
            );
        }
      });
    },

    async clear(sessionId) {
      db.exec("sessions.clear", "DELETE FROM sessions WHERE sessionId = ?", sessionId);
    },

    async exists(sessionId) {
      return db.get("sessions.exists", "SELECT 1 FROM sessions WHERE sessionId = ? LIMIT 1", sessionId) !== undefined;
    },

    async scan(after, limit) {
      if (limit <= 0) return [];
      return after === null
        ? db.all<SessionEntry>("sessions.scan", "SELECT sessionId, key, value FROM sessions ORDER BY sessionId, key LIMIT ?", limit)
        : db.all<SessionEntry>(
            "sessions.scan",
            "SELECT sessionId, key, value FROM sessions WHERE (sessionId, key) > (?, ?) ORDER BY sessionId, key LIMIT ?",
            after.sessionId,
            after.key,
            limit,
          );
    },

    async replaceIf(sessionId, key, expected, value) {
      return db.exec("sessions.replaceIf", "UPDATE sessions SET value = ? WHERE sessionId = ? AND key = ? AND value = ?", value, sessionId, key, expected) > 0;
    },
  };
}

/** One row (id 1); an update merges the given fields into it (`json_patch`) in one statement. */
export function createSqliteSettings(db: SqliteDatabase): SettingsRepository {
  return {
    async get() {
      const row = db.get<DocRow>("settings.get", "SELECT doc FROM settings WHERE id = 1");
      return row ? decode<StoredSettings>(row.doc) : null;
    },

    async update(changes, at) {
      const defined = Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined));
      const row = db.get<DocRow>(
        "settings.update",
        "INSERT INTO settings (id, doc) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET doc = json_patch(doc, excluded.doc) RETURNING doc",
        encode({ ...defined, updatedAt: at }),
      );
      return decode<StoredSettings>(row!.doc);
    },
  };
}
