import {
  ValidationError,
  normalizePhone,
  type Clock,
  type Directory,
  type DirectoryFeed,
  type DirectoryRepository,
  type Referral,
  type ReferralChanges,
  type ReferrerProfile,
} from "@relance/core";

const SYSTEM_CLOCK: Pick<Clock, "now"> = { now: () => new Date() };

/**
 * A directory fed by the platform's push calls (`POST /internal/subscriptions`, `/referrals`),
 * kept in the storage's {@link DirectoryRepository} (`new StoredDirectory(storage.directory)`), so
 * what was pushed survives a restart. Validates what it is given: phones must be E.164.
 */
export class StoredDirectory implements Directory, DirectoryFeed {
  constructor(
    private readonly repository: DirectoryRepository,
    /** Stamps `updatedAt` on referrers; the system clock unless given. */
    private readonly clock: Pick<Clock, "now"> = SYSTEM_CLOCK,
  ) {}

  /** A name or phone left out (or a null phone) keeps the referrer's previous one. */
  async setSubscription(input: { userId: string; active: boolean; name?: string; phone?: string | null }): Promise<void> {
    const given = input.phone === undefined || input.phone === null ? null : normalizePhone(input.phone);
    if (input.phone && !given) throw new ValidationError("[stored-directory] phone must be E.164", [{ path: "phone", message: "E.164 (+33612345678)" }]);
    const previous = await this.repository.getReferrer(input.userId);
    await this.repository.upsertReferrer({
      userId: input.userId,
      active: input.active,
      name: input.name ?? previous?.name ?? "",
      phone: given ?? previous?.phone ?? null,
      updatedAt: this.clock.now(),
    });
  }

  async upsertReferral(referral: Referral): Promise<void> {
    const phone = normalizePhone(referral.phone);
    if (!phone) throw new ValidationError("[stored-directory] referral phone must be E.164", [{ path: "referral.phone", message: "E.164 (+33612345678)" }]);
    await this.repository.upsertReferral({
      userId: referral.userId,
      referrerId: referral.referrerId,
      phone,
      name: referral.name,
      language: referral.language ?? null,
      createdAt: new Date(referral.createdAt),
      paid: referral.paid,
      paymentLink: referral.paymentLink ?? null,
    });
  }

  async hasActiveSubscription(referrerUserId: string): Promise<boolean> {
    return (await this.repository.getReferrer(referrerUserId))?.active ?? false;
  }

  async getReferrer(referrerUserId: string): Promise<ReferrerProfile | null> {
    const record = await this.repository.getReferrer(referrerUserId);
    return record ? { userId: record.userId, name: record.name, phone: record.phone } : null;
  }

  async listReferrals(referrerUserId: string): Promise<Referral[]> {
    return this.repository.listReferrals(referrerUserId);
  }

  async getReferrals(referrerUserId: string, userIds: readonly string[]): Promise<Referral[]> {
    if (userIds.length === 0) return [];
    return this.repository.getReferrals(referrerUserId, userIds);
  }

  /** The storage's own change order (see `DirectoryRepository.listReferralChanges`): exact, no full pass needed. */
  async listReferralChanges(referrerUserId: string, since: string | null): Promise<ReferralChanges> {
    return this.repository.listReferralChanges(referrerUserId, since);
  }
}
