import type { DirectoryRepository, Referral, StoredReferrer } from "@relance/core";

/** Referrals are ordered by `createdAt`, then `userId`. */
function compareReferrals(a: Referral, b: Referral): number {
  const byDate = a.createdAt.getTime() - b.createdAt.getTime();
  if (byDate !== 0) return byDate;
  return a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0;
}

export function createMemoryDirectory(): DirectoryRepository {
  const referrers = new Map<string, StoredReferrer>();
  const referrals = new Map<string, Map<string, Referral>>();

  return {
    async upsertReferrer(referrer) {
      referrers.set(referrer.userId, structuredClone(referrer));
    },

    async getReferrer(userId) {
      const referrer = referrers.get(userId);
      return referrer ? structuredClone(referrer) : null;
    },

    async upsertReferral(referral) {
      let byUserId = referrals.get(referral.referrerId);
      if (!byUserId) referrals.set(referral.referrerId, (byUserId = new Map()));
      byUserId.set(referral.userId, structuredClone(referral));
    },

    async listReferrals(referrerId) {
      return [...(referrals.get(referrerId)?.values() ?? [])].sort(compareReferrals).map((referral) => structuredClone(referral));
    },
  };
}
