import type { Referral } from "@relance/core";
import type { DirectoryRepository, StoredReferrer } from "../../ports/directory-repository.js";

/** Referrals are ordered by `createdAt`, then `userId`. */
function compareReferrals(a: Referral, b: Referral): number {
  const byDate = a.createdAt.getTime() - b.createdAt.getTime();
  if (byDate !== 0) return byDate;
  return a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0;
}

/** A referral and the store-wide change number of its last upsert. */
interface Entry {
  referral: Referral;
  seq: number;
}

export function createMemoryDirectory(): DirectoryRepository {
  const referrers = new Map<string, StoredReferrer>();
  const referrals = new Map<string, Map<string, Entry>>();
  let seq = 0;

  return {
    async upsertReferrer(referrer) {
      referrers.set(referrer.userId, structuredClone(referrer));
    },

    async getReferrer(userId) {
      const referrer = referrers.get(userId);
      return referrer ? structuredClone(referrer) : null;
    },

    async deleteUser(userId) {
      let deleted = referrers.delete(userId) ? 1 : 0;
      deleted += referrals.get(userId)?.size ?? 0;
      referrals.delete(userId);
      for (const byUserId of referrals.values()) if (byUserId.delete(userId)) deleted += 1;
      return deleted;
    },

    async deleteReferrals(keys) {
      let deleted = 0;
      for (const { referrerId, userId } of keys) if (referrals.get(referrerId)?.delete(userId)) deleted += 1;
      return deleted;
    },

    async deleteReferralRecords(userIds) {
      let deleted = 0;
      for (const byUserId of referrals.values()) for (const userId of userIds) if (byUserId.delete(userId)) deleted += 1;
      return deleted;
    },

    async upsertReferral(referral) {
      let byUserId = referrals.get(referral.referrerId);
      if (!byUserId) referrals.set(referral.referrerId, (byUserId = new Map()));
      byUserId.set(referral.userId, { referral: structuredClone(referral), seq: ++seq });
    },

    async listReferrals(referrerId) {
      return [...(referrals.get(referrerId)?.values() ?? [])]
        .map((entry) => entry.referral)
        .sort(compareReferrals)
        .map((referral) => structuredClone(referral));
    },

    async getReferrals(referrerId, userIds) {
      const byUserId = referrals.get(referrerId);
      return [...new Set(userIds)].flatMap((userId) => {
        const entry = byUserId?.get(userId);
        return entry ? [structuredClone(entry.referral)] : [];
      });
    },

    async listReferralChanges(referrerId, since) {
      const after = since === null ? 0 : Number(since);
      const changed = [...(referrals.get(referrerId)?.values() ?? [])].filter((entry) => entry.seq > after).sort((a, b) => a.seq - b.seq);
      // The store-wide number, not the last item's: a referrer with no change keeps up too.
      return { items: changed.map((entry) => structuredClone(entry.referral)), cursor: String(seq) };
    },
  };
}
