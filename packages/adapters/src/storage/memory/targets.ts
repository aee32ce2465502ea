import { addLiftOutcome, emptyLiftCounts, emptyTargetStats, IN_LOOP_STATUSES, PURGED_CONTACT, type Target, type TargetChanges, type TargetCondition, type TargetRepository } from "@relance/core";
import {
  addToStats,
  applyChanges,
  checkChanges,
  compareDue,
  compareIds,
  decodeCursor,
  encodeCursor,
  hasMessageId,
  holds,
  isDue,
  isInterrupted,
  isUnclaimed,
} from "../shared/target-rules.js";
import { countAll, type CounterDays } from "./counters.js";

function enrollmentKey(referrerUserId: string, referralUserId: string): string {
  return JSON.stringify([referrerUserId, referralUserId]);
}

function copies(targets: readonly Target[]): Target[] {
  return targets.map((t) => structuredClone(t));
}

/** `counterDays`: the counters' store, for `claimReserving` (a store of its own when the targets stand alone). */
export function createMemoryTargets(counterDays: CounterDays = new Map()): TargetRepository {
  const targets = new Map<string, Target>();
  const enrolled = new Set<string>();

  function all(): Target[] {
    return [...targets.values()];
  }

  /** The conditional update of one target, synchronous (callers add their counts in the same step). */
  function updateOne(id: string, condition: TargetCondition, changes: TargetChanges): Target | null {
    const target = targets.get(id);
    if (!target || !holds(target, condition)) return null;
    const next = applyChanges(target, changes);
    targets.set(id, next);
    return structuredClone(next);
  }

  /** `updateIf` over every target of the referrer that meets `condition`, in one synchronous pass. */
  function updateAll(referrerUserId: string, condition: TargetCondition, changes: TargetChanges): number {
    let updated = 0;
    for (const [id, target] of targets) {
      if (target.referrerUserId !== referrerUserId || !holds(target, condition)) continue;
      targets.set(id, applyChanges(target, changes));
      updated += 1;
    }
    return updated;
  }

  return {
    async insertIfAbsent(target) {
      const key = enrollmentKey(target.referrerUserId, target.referralUserId);
      if (enrolled.has(key) || targets.has(target.id)) return false;
      enrolled.add(key);
      targets.set(target.id, structuredClone(target));
      return true;
    },

    async get(id) {
      const target = targets.get(id);
      return target ? structuredClone(target) : null;
    },

    async findExistingReferralIds(referrerUserId, referralUserIds) {
      return new Set(referralUserIds.filter((id) => enrolled.has(enrollmentKey(referrerUserId, id))));
    },

    async listDueReferrers(now, limit) {
      const referrers: string[] = [];
      for (const target of all().filter((t) => isDue(t, now)).sort(compareDue)) {
        if (!referrers.includes(target.referrerUserId)) referrers.push(target.referrerUserId);
        if (referrers.length >= limit) break;
      }
      return referrers;
    },

    async listDue(referrerUserId, now, limit) {
      const due = all().filter((t) => t.referrerUserId === referrerUserId && isDue(t, now) && isUnclaimed(t.claim, now));
      return copies(due.sort(compareDue).slice(0, limit));
    },

    async listInterrupted(now, limit) {
      const interrupted = all().filter((t) => isInterrupted(t.claim, now));
      interrupted.sort((a, b) => a.claim!.expiresAt.getTime() - b.claim!.expiresAt.getTime() || compareIds(a.id, b.id));
      return copies(interrupted.slice(0, limit));
    },

    async updateIf(id, condition, changes) {
      checkChanges("memory", "targets.updateIf", changes);
      return updateOne(id, condition, changes);
    },

    async updateIfCounting(id, condition, changes, { owner, key }) {
      checkChanges("memory", "targets.updateIfCounting", changes);
      // No await between the write and the count: both in one step.
      const updated = updateOne(id, condition, changes);
      if (updated) countAll(counterDays, owner, [{ day: key, cap: Number.POSITIVE_INFINITY }]);
      return updated;
    },

    async claimReserving(id, condition, changes, { referrerUserId, slots }) {
      checkChanges("memory", "targets.claimReserving", changes);
      // No await between the checks and the writes: both or neither.
      const target = targets.get(id);
      if (!target || !holds(target, condition)) return { claimed: null, full: null };
      const counted = countAll(counterDays, referrerUserId, slots);
      if (!counted.counted) return { claimed: null, full: counted.full };
      const next = applyChanges(target, changes);
      targets.set(id, next);
      return { claimed: structuredClone(next) };
    },

    async deferDue(referrerUserId, now, until) {
      return updateAll(referrerUserId, { status: "active", dueBy: now, unclaimedAt: now }, { nextMessageDue: until, updatedAt: now });
    },

    async resumeDue(referrerUserId, now, until) {
      let moved = 0;
      for (const [id, target] of targets) {
        const due = target.nextMessageDue?.getTime();
        if (target.referrerUserId !== referrerUserId || target.status !== "active" || due === undefined) continue;
        if (due <= now.getTime() || due > until.getTime() || !isUnclaimed(target.claim, now)) continue;
        targets.set(id, applyChanges(target, { nextMessageDue: now, updatedAt: now }));
        moved++;
      }
      return moved;
    },

    async exitActiveOfReferrer(referrerUserId, reason, at) {
      const changes = { status: "exited", exitReason: reason, exitedLoopAt: at, nextMessageDue: null, updatedAt: at } as const;
      return IN_LOOP_STATUSES.reduce((exited, status) => exited + updateAll(referrerUserId, { status }, changes), 0);
    },

    async completeHoldouts(now, limit) {
      const ended = all()
        .filter((t) => t.status === "holdout" && t.nextMessageDue !== null && t.nextMessageDue.getTime() <= now.getTime())
        .sort(compareDue)
        .slice(0, Math.max(0, limit));
      for (const target of ended) {
        targets.set(
          target.id,
          applyChanges(target, { status: "completed", exitReason: "completed_7_days", exitedLoopAt: now, nextMessageDue: null, updatedAt: now }),
        );
      }
      return ended.length;
    },

    async phonesOfReferral(referralUserId) {
      return [...new Set(all().filter((t) => t.referralUserId === referralUserId).map((t) => t.contact.phone))].sort();
    },

    async contactsOfReferral(referralUserId) {
      const pairs = new Map(all().filter((t) => t.referralUserId === referralUserId).map((t) => [`${t.referrerUserId} ${t.contact.phone}`, { referrerUserId: t.referrerUserId, phone: t.contact.phone }]));
      return [...pairs.values()].sort((a, b) => a.referrerUserId.localeCompare(b.referrerUserId) || a.phone.localeCompare(b.phone));
    },

    async listActiveByReferral(referralUserId) {
      return copies(all().filter((t) => t.referralUserId === referralUserId && IN_LOOP_STATUSES.includes(t.status)));
    },

    async listActiveByReferrer(referrerUserId, phone) {
      return copies(
        all().filter(
          (t) => t.referrerUserId === referrerUserId && IN_LOOP_STATUSES.includes(t.status) && (phone === undefined || t.contact.phone === phone),
        ),
      );
    },

    async findByMessageId(messageId) {
      const target = all().find((t) => hasMessageId(t, messageId));
      return target ? structuredClone(target) : null;
    },

    async list(filter, page) {
      const after = page.after ? decodeCursor(page.after) : null;
      const matching = all()
        .filter(
          (t) =>
            (filter.referrerUserId === undefined || t.referrerUserId === filter.referrerUserId) &&
            (filter.status === undefined || t.status === filter.status) &&
            (after === null || t.id > after),
        )
        .sort((a, b) => compareIds(a.id, b.id));
      const items = matching.slice(0, page.limit);
      const more = matching.length > items.length && items.length > 0;
      return { items: copies(items), nextCursor: more ? encodeCursor(items[items.length - 1]!.id) : null };
    },

    async listPurgeable(endedBefore, limit) {
      return [...targets.values()]
        .filter((t) => t.status !== "active" && t.exitedLoopAt !== null && t.exitedLoopAt < endedBefore && t.contact.phone !== PURGED_CONTACT.phone)
        .sort((a, b) => compareIds(a.id, b.id))
        .slice(0, limit)
        .map((t) => ({ id: t.id, referrerUserId: t.referrerUserId, referralUserId: t.referralUserId }));
    },

    async purgeContacts(ids) {
      let purged = 0;
      for (const id of new Set(ids)) {
        const target = targets.get(id);
        if (!target || target.status === "active" || target.contact.phone === PURGED_CONTACT.phone) continue;
        targets.set(id, { ...target, contact: { ...PURGED_CONTACT }, revision: target.revision + 1 });
        purged += 1;
      }
      return purged;
    },

    async deleteByUser(userId) {
      let deleted = 0;
      for (const [id, target] of targets) {
        if (target.referralUserId !== userId && target.referrerUserId !== userId) continue;
        targets.delete(id);
        enrolled.delete(enrollmentKey(target.referrerUserId, target.referralUserId));
        deleted += 1;
      }
      return deleted;
    },

    async stats(filter) {
      const stats = emptyTargetStats();
      for (const target of targets.values()) {
        if (filter.referrerUserId === undefined || target.referrerUserId === filter.referrerUserId) addToStats(stats, target);
      }
      return stats;
    },

    async liftCounts(filter) {
      const counts = emptyLiftCounts();
      for (const target of targets.values()) {
        if (filter.referrerUserId === undefined || target.referrerUserId === filter.referrerUserId) addLiftOutcome(counts, target);
      }
      return counts;
    },
  };
}
