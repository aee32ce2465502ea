import type { Target, TargetRepository } from "@relance/core";
import { emptyTargetStats } from "@relance/core";
import { addToStats, decodeCursor, encodeCursor, type StatsFields } from "../memory/target-rules.js";
import type { Collection, FileDocument } from "./collection.js";
import { fromDocument, toDocument } from "./documents.js";
import { changesUpdate, conditionQuery, dueQuery, listQuery, messageIdQuery, referrerConditionQuery, unclaimedAt } from "./target-queries.js";

const byDue = { nextMessageDue: 1, _id: 1 } as const;

function read(doc: FileDocument): Target {
  return fromDocument<Target>(doc, "id");
}

/** Keyed by target id; a unique compound index on (referrerUserId, referralUserId) enforces "once ever". */
export function createFileTargets(targets: Collection): TargetRepository {
  return {
    async insertIfAbsent(target) {
      return targets.insert(toDocument(target.id, target, "id"));
    },

    async get(id) {
      const doc = await targets.findOne({ _id: id });
      return doc ? read(doc) : null;
    },

    async findExistingReferralIds(referrerUserId, referralUserIds) {
      if (referralUserIds.length === 0) return new Set<string>();
      const docs = await targets.find(
        { referrerUserId, referralUserId: { $in: [...referralUserIds] } },
        { projection: { referralUserId: 1 } },
      );
      return new Set(docs.map((doc) => doc.referralUserId as string));
    },

    async listDueReferrers(now, limit) {
      const docs = await targets.find(dueQuery(now), { sort: byDue, projection: { referrerUserId: 1, nextMessageDue: 1 } });
      return [...new Set(docs.map((doc) => doc.referrerUserId as string))].slice(0, limit);
    },

    async listDue(referrerUserId, now, limit) {
      const query = { ...dueQuery(now), referrerUserId, $or: unclaimedAt(now) };
      return (await targets.find(query, { sort: byDue, limit })).map(read);
    },

    async listInterrupted(now, limit) {
      const query = { "claim.stage": "sending", "claim.expiresAt": { $lte: now } };
      return (await targets.find(query, { sort: { "claim.expiresAt": 1, _id: 1 }, limit })).map(read);
    },

    async updateIf(id, condition, changes) {
      const doc = await targets.updateOne(conditionQuery(id, condition), changesUpdate(changes));
      return doc ? read(doc) : null;
    },

    async deferDue(referrerUserId, now, until) {
      const query = referrerConditionQuery(referrerUserId, { status: "active", dueBy: now, unclaimedAt: now });
      return targets.updateMany(query, changesUpdate({ nextMessageDue: until, updatedAt: now }));
    },

    async exitActiveOfReferrer(referrerUserId, reason, at) {
      const changes = { status: "exited", exitReason: reason, exitedLoopAt: at, nextMessageDue: null, updatedAt: at } as const;
      return targets.updateMany(referrerConditionQuery(referrerUserId, { status: "active" }), changesUpdate(changes));
    },

    async listActiveByReferral(referralUserId) {
      return (await targets.find({ referralUserId, status: "active" }, { sort: { _id: 1 } })).map(read);
    },

    async listActiveByReferrer(referrerUserId, phone) {
      const query = phone === undefined ? { referrerUserId, status: "active" } : { referrerUserId, status: "active", "contact.phone": phone };
      return (await targets.find(query, { sort: { _id: 1 } })).map(read);
    },

    async findByMessageId(messageId) {
      const doc = await targets.findOne(messageIdQuery(messageId));
      return doc ? read(doc) : null;
    },

    async list(filter, page) {
      const after = page.after ? decodeCursor(page.after) : null;
      // One more than asked tells whether a next page exists.
      const docs = await targets.find(listQuery(filter, after), { sort: { _id: 1 }, limit: page.limit + 1 });
      const items = docs.slice(0, page.limit).map(read);
      const last = items[items.length - 1];
      return { items, nextCursor: docs.length > page.limit && last ? encodeCursor(last.id) : null };
    },

    async stats(filter) {
      const query = filter.referrerUserId === undefined ? {} : { referrerUserId: filter.referrerUserId };
      const projection = { status: 1, exitReason: 1, lastSentDay: 1, messagesDelivered: 1 } as const;
      const stats = emptyTargetStats();
      for (const doc of await targets.find(query, { projection })) addToStats(stats, doc as unknown as StatsFields);
      return stats;
    },
  };
}
