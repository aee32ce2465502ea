import { IN_LOOP_STATUSES, PURGED_CONTACT } from "@relance/core";
import type {
  CappedCounterRepository,
  E164,
  ExitReason,
  Target,
  TargetChanges,
  TargetCondition,
  TargetListFilter,
  TargetPage,
  TargetRepository,
  TargetStats,
} from "@relance/core";
import type { Collection, Filter } from "mongodb";
import type { TargetDocument } from "./documents.js";
import { isDuplicateKey, toLimit, wrap, isNotImplemented } from "./errors.js";
import { checkChanges } from "../shared/target-rules.js";
import { changesUpdate, conditionFilter, referrerConditionFilter, unclaimedAt } from "./target-filters.js";
import { fromTargetDocument, toTargetDocument } from "./target-mapping.js";
import { targetLiftCounts, targetStats } from "./target-stats.js";

const IN_LOOP = { $in: [...IN_LOOP_STATUSES] };

/** `counters`: the counters repository, whose slots `claimReserving` takes (see there). */
export function mongoTargets(targets: Collection<TargetDocument>, counters: CappedCounterRepository): TargetRepository {
  const findMany = async (filter: Filter<TargetDocument>, sort: Record<string, 1 | -1>, limit?: number) => {
    const cursor = targets.find(filter).sort(sort);
    if (limit !== undefined) cursor.limit(limit);
    return (await cursor.toArray()).map(fromTargetDocument);
  };

  return {
    insertIfAbsent: (target: Target) =>
      wrap("targets.insertIfAbsent", async () => {
        try {
          await targets.insertOne(toTargetDocument(target));
          return true;
        } catch (error) {
          // The unique (referrerUserId, referralUserId) index decides between concurrent enrollers.
          if (isDuplicateKey(error)) return false;
          throw error;
        }
      }),

    get: (id: string) =>
      wrap("targets.get", async () => {
        const doc = await targets.findOne({ _id: id });
        return doc ? fromTargetDocument(doc) : null;
      }),

    findExistingReferralIds: (referrerUserId: string, referralUserIds: readonly string[]) =>
      wrap("targets.findExistingReferralIds", async () => {
        if (referralUserIds.length === 0) return new Set<string>();
        const docs = await targets
          .find({ referrerUserId, referralUserId: { $in: [...referralUserIds] } }, { projection: { _id: 0, referralUserId: 1 } })
          .toArray();
        return new Set(docs.map((doc) => doc.referralUserId));
      }),

    listDueReferrers: (now: Date, limit: number) =>
      wrap("targets.listDueReferrers", async () => {
        const max = toLimit(limit);
        if (max === 0) return [];
        // Index-only (`due_referrer` holds every field used), and the referrers whose oldest due
        // target waited longest come first: held referrers defer theirs, so they cannot keep a
        // sendable one out of the first `limit` however many they are.
        const match = { status: "active" as const, nextMessageDue: { $lte: now } };
        try {
          const groups = await targets
            .aggregate<{ _id: string }>([
              { $match: match },
              { $group: { _id: "$referrerUserId", oldest: { $min: "$nextMessageDue" } } },
              { $sort: { oldest: 1, _id: 1 } },
              { $limit: max },
            ])
            .toArray();
          return groups.map((group) => group._id);
        } catch (error) {
          if (!isNotImplemented(error)) throw error;
        }
        // FerretDB 1.24 has no `$min` accumulator: the same order from the same index, read
        // on the client until `max` referrers are found. MongoDB never takes this path.
        const found = new Set<string>();
        const cursor = targets.find(match, { projection: { _id: 0, referrerUserId: 1 } }).sort({ nextMessageDue: 1, referrerUserId: 1 });
        for await (const doc of cursor) {
          found.add(doc.referrerUserId);
          if (found.size >= max) break;
        }
        await cursor.close();
        return [...found];
      }),

    listDue: (referrerUserId: string, now: Date, limit: number) =>
      wrap("targets.listDue", async () => {
        const max = toLimit(limit);
        if (max === 0) return [];
        return findMany(
          { referrerUserId, status: "active", nextMessageDue: { $lte: now }, $or: unclaimedAt(now) },
          { nextMessageDue: 1, _id: 1 },
          max,
        );
      }),

    listInterrupted: (now: Date, limit: number) =>
      wrap("targets.listInterrupted", async () => {
        const max = toLimit(limit);
        if (max === 0) return [];
        return findMany({ "claim.stage": "sending", "claim.expiresAt": { $lte: now } }, { "claim.expiresAt": 1, _id: 1 }, max);
      }),

    updateIf: (id: string, condition: TargetCondition, changes: TargetChanges) =>
      wrap("targets.updateIf", async () => {
        checkChanges("mongodb", "targets.updateIf", changes);
        const doc = await targets.findOneAndUpdate(conditionFilter(id, condition), changesUpdate(changes), {
          returnDocument: "after",
        });
        return doc ? fromTargetDocument(doc) : null;
      }),

    updateIfCounting: (id, condition, changes, { owner, key }) =>
      wrap("targets.updateIfCounting", async () => {
        checkChanges("mongodb", "targets.updateIfCounting", changes);
        // Two collections without a transaction: both writes at once, one round trip of latency
        // when the write applies (a send's record, nearly always); the count is taken back when it
        // did not (its condition failed, or it failed).
        const [written, counted] = await Promise.allSettled([
          targets.findOneAndUpdate(conditionFilter(id, condition), changesUpdate(changes), { returnDocument: "after" }),
          counters.tryIncrement(owner, key, Number.MAX_SAFE_INTEGER),
        ]);
        const applied = written.status === "fulfilled" && written.value !== null;
        // A take-back that fails leaves the count one too many; the write's own answer matters more.
        if (!applied && counted.status === "fulfilled") await counters.decrement(owner, key).catch(() => undefined);
        if (written.status === "rejected") throw written.reason;
        // A count refused while the write applied: the write stands (the count errs by one fewer).
        return written.value ? fromTargetDocument(written.value) : null;
      }),

    claimReserving: (id, condition, changes, { referrerUserId, slots }) =>
      wrap("targets.claimReserving", async () => {
        checkChanges("mongodb", "targets.claimReserving", changes);
        // Two documents without a transaction (none on a standalone server or FerretDB): the slots
        // first (all at once: one round trip, see `tryIncrementAll`), so a full one leaves the
        // target untouched; a lost condition gives them back. A storage error in between leaves
        // them taken, which errs on the safe side.
        const reserved = await counters.tryIncrementAll(referrerUserId, slots);
        if (!reserved.counted) return { claimed: null, full: reserved.full };
        const doc = await targets.findOneAndUpdate(conditionFilter(id, condition), changesUpdate(changes), { returnDocument: "after" });
        if (doc) return { claimed: fromTargetDocument(doc) };
        for (const slot of slots) await counters.decrement(referrerUserId, slot.day);
        return { claimed: null, full: null };
      }),

    deferDue: (referrerUserId: string, now: Date, until: Date) =>
      wrap("targets.deferDue", async () => {
        const filter = referrerConditionFilter(referrerUserId, { status: "active", dueBy: now, unclaimedAt: now });
        const result = await targets.updateMany(filter, changesUpdate({ nextMessageDue: until, updatedAt: now }));
        return result.modifiedCount;
      }),

    resumeDue: (referrerUserId: string, now: Date, until: Date) =>
      wrap("targets.resumeDue", async () => {
        // Within the `referrer_due_id` bounds (referrer, status, a range of nextMessageDue).
        const filter: Filter<TargetDocument> = { referrerUserId, status: "active", nextMessageDue: { $gt: now, $lte: until }, $or: unclaimedAt(now) };
        const result = await targets.updateMany(filter, changesUpdate({ nextMessageDue: now, updatedAt: now }));
        return result.modifiedCount;
      }),

    exitActiveOfReferrer: (referrerUserId: string, reason: ExitReason, at: Date) =>
      wrap("targets.exitActiveOfReferrer", async () => {
        const changes = { status: "exited", exitReason: reason, exitedLoopAt: at, nextMessageDue: null, updatedAt: at } as const;
        const result = await targets.updateMany({ referrerUserId, status: IN_LOOP }, changesUpdate(changes));
        return result.modifiedCount;
      }),

    completeHoldouts: (now: Date, limit: number) =>
      wrap("targets.completeHoldouts", async () => {
        const max = toLimit(limit);
        if (max === 0) return 0;
        const ended = { status: "holdout" as const, nextMessageDue: { $lte: now } };
        // Within the `due_referrer` index bounds; the filter again on write, so each target is a
        // compare-and-set of its own and one completed meanwhile elsewhere is not counted twice.
        const ids = await targets.find(ended, { projection: { _id: 1 } }).sort({ nextMessageDue: 1 }).limit(max).toArray();
        if (ids.length === 0) return 0;
        const changes = { status: "completed", exitReason: "completed_7_days", exitedLoopAt: now, nextMessageDue: null, updatedAt: now } as const;
        const result = await targets.updateMany({ _id: { $in: ids.map((doc) => doc._id) }, ...ended }, changesUpdate(changes));
        return result.modifiedCount;
      }),

    listPurgeable: (endedBefore: Date, limit: number) =>
      wrap("targets.listPurgeable", async () => {
        const docs = await targets
          .find({ status: { $ne: "active" }, exitedLoopAt: { $lt: endedBefore }, "contact.phone": { $ne: PURGED_CONTACT.phone } }, { projection: { _id: 1, referrerUserId: 1, referralUserId: 1 } })
          .sort({ _id: 1 })
          .limit(toLimit(limit))
          .toArray();
        return docs.map((d) => ({ id: String(d._id), referrerUserId: d.referrerUserId as string, referralUserId: d.referralUserId as string }));
      }),

    purgeContacts: (ids: readonly string[]) =>
      wrap("targets.purgeContacts", async () => {
        if (ids.length === 0) return 0;
        // The filter again: a target purged meanwhile by another process is not counted twice.
        const result = await targets.updateMany(
          { _id: { $in: [...ids] }, status: { $ne: "active" }, "contact.phone": { $ne: PURGED_CONTACT.phone } },
          { $set: { contact: { ...PURGED_CONTACT } }, $inc: { revision: 1 } },
        );
        return result.modifiedCount;
      }),

    deleteByUser: (userId: string) =>
      wrap("targets.deleteByUser", async () => (await targets.deleteMany({ $or: [{ referralUserId: userId }, { referrerUserId: userId }] })).deletedCount),

    phonesOfReferral: (referralUserId: string) =>
      wrap("targets.phonesOfReferral", async () => ((await targets.distinct("contact.phone", { referralUserId })) as unknown[]).filter((p): p is string => typeof p === "string").sort()),

    contactsOfReferral: (referralUserId: string) =>
      wrap("targets.contactsOfReferral", async () => {
        const docs = await targets.find({ referralUserId }, { projection: { _id: 0, referrerUserId: 1, "contact.phone": 1 } }).toArray();
        const pairs = new Map(docs.filter((d) => typeof d.contact?.phone === "string").map((d) => [`${d.referrerUserId} ${d.contact.phone}`, { referrerUserId: d.referrerUserId as string, phone: d.contact.phone as string }]));
        return [...pairs.values()].sort((a, b) => a.referrerUserId.localeCompare(b.referrerUserId) || a.phone.localeCompare(b.phone));
      }),

    listActiveByReferral: (referralUserId: string) =>
      wrap("targets.listActiveByReferral", () => findMany({ referralUserId, status: IN_LOOP }, { _id: 1 })),

    listActiveByReferrer: (referrerUserId: string, phone?: E164) =>
      wrap("targets.listActiveByReferrer", () => {
        const filter: Filter<TargetDocument> = { referrerUserId, status: IN_LOOP };
        if (phone !== undefined) filter["contact.phone"] = phone;
        return findMany(filter, { _id: 1 });
      }),

    findByMessageId: (messageId: string) =>
      wrap("targets.findByMessageId", async () => {
        // Dot paths reach into the deliveries array (and its media id arrays) without $elemMatch.
        const doc = await targets.findOne({
          $or: [{ "messagesDelivered.messageId": messageId }, { "messagesDelivered.mediaMessageIds": messageId }],
        });
        return doc ? fromTargetDocument(doc) : null;
      }),

    list: (filter: TargetListFilter, page: { limit: number; after?: string | null }) =>
      wrap("targets.list", async (): Promise<TargetPage> => {
        const max = toLimit(page.limit);
        if (max === 0) return { items: [], nextCursor: null };
        const query: Filter<TargetDocument> = {};
        if (filter.referrerUserId !== undefined) query.referrerUserId = filter.referrerUserId;
        if (filter.status !== undefined) query.status = filter.status;
        if (page.after != null) query._id = { $gt: page.after };
        // One extra row tells whether another page exists without a count query.
        const items = await findMany(query, { _id: 1 }, max + 1);
        const hasMore = items.length > max;
        if (hasMore) items.length = max;
        return { items, nextCursor: hasMore ? items[items.length - 1]!.id : null };
      }),

    stats: (filter: { referrerUserId?: string }): Promise<TargetStats> =>
      wrap("targets.stats", () => targetStats(targets, filter.referrerUserId)),

    liftCounts: (filter: { referrerUserId?: string }) => wrap("targets.liftCounts", () => targetLiftCounts(targets, filter.referrerUserId)),
  };
}
