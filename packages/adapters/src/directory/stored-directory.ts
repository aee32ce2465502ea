import {
  ValidationError,
  normalizePhone,
  type Directory,
  type DirectoryFeed,
  type Referral,
  type ReferrerProfile,
} from "@relance/core";

interface ReferrerRecord extends ReferrerProfile {
  active: boolean;
}

/**
 * A directory fed by the platform's push calls (`POST /internal/subscriptions`, `/referrals`),
 * kept in memory. Pass `snapshot`/`restore` hooks to persist it.
 */
export class StoredDirectory implements Directory, DirectoryFeed {
  private readonly referrers = new Map<string, ReferrerRecord>();
  private readonly referrals = new Map<string, Map<string, Referral>>();

  async setSubscription(input: { userId: string; active: boolean; name?: string; phone?: string | null }): Promise<void> {
    const previous = this.referrers.get(input.userId);
    const phone = input.phone === undefined || input.phone === null ? (previous?.phone ?? null) : normalizePhone(input.phone);
    if (input.phone && !phone) throw new ValidationError("[stored-directory] phone must be E.164", [{ path: "phone", message: "E.164 (+33612345678)" }]);
    this.referrers.set(input.userId, {
      userId: input.userId,
      active: input.active,
      name: input.name ?? previous?.name ?? "",
      phone,
    });
  }

  async upsertReferral(referral: Referral): Promise<void> {
    const phone = normalizePhone(referral.phone);
    if (!phone) throw new ValidationError("[stored-directory] referral phone must be E.164", [{ path: "referral.phone", message: "E.164 (+33612345678)" }]);
    let byId = this.referrals.get(referral.referrerId);
    if (!byId) {
      byId = new Map();
      this.referrals.set(referral.referrerId, byId);
    }
    byId.set(referral.userId, { ...referral, phone, createdAt: new Date(referral.createdAt) });
  }

  async hasActiveSubscription(referrerUserId: string): Promise<boolean> {
    return this.referrers.get(referrerUserId)?.active ?? false;
  }

  async getReferrer(referrerUserId: string): Promise<ReferrerProfile | null> {
    const record = this.referrers.get(referrerUserId);
    return record ? { userId: record.userId, name: record.name, phone: record.phone } : null;
  }

  async listReferrals(referrerUserId: string): Promise<Referral[]> {
    return [...(this.referrals.get(referrerUserId)?.values() ?? [])].map((r) => ({ ...r }));
  }
}
