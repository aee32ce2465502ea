import {
  ValidationError,
  normalizePhone,
  type Clock,
  type Directory,
  type DirectoryFeed,
  type ExitedUserRepository,
  type PushedReferral,
  type Referral,
  type ReferralChanges,
  type ReferrerProfile,
} from "@relance/core";
import type { DirectoryRepository } from "../ports/directory-repository.js";

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
    private readonly options: {
      /**
       * The exited users (paid, manual, erased): a referral among them is never enrolled again,
       * so a push of it is not stored (security review 2, L4: an erased person's number, name and
       * payment link came back with the platform's next sync).
       */
      exitedUsers?: Pick<ExitedUserRepository, "filterExited">;
    } = {},
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

  async upsertReferral(referral: PushedReferral): Promise<void> {
    await this.upsertReferrals([referral]);
  }

  async upsertReferrals(referrals: readonly PushedReferral[]): Promise<void> {
    const phones = referrals.map((referral, index) => {
      const phone = normalizePhone(referral.phone);
      const path = referrals.length === 1 ? "referral.phone" : `${index}.referral.phone`;
      if (!phone) throw new ValidationError("[stored-directory] referral phone must be E.164", [{ path, message: "E.164 (+33612345678)" }]);
      return phone;
    });
    const exited = this.options.exitedUsers ? await this.options.exitedUsers.filterExited([...new Set(referrals.map((r) => r.userId))]) : new Set<string>();
    const createdAt = await this.keptCreatedAt(referrals);
    const now = this.clock.now();
    for (const [index, referral] of referrals.entries()) {
      if (exited.has(referral.userId)) continue;
      const key = keyOf(referral);
      const given = referral.createdAt ? new Date(referral.createdAt) : null;
      const created = given ?? createdAt.get(key) ?? now;
      // A later item of the same batch without createdAt keeps what an earlier one stored.
      createdAt.set(key, created);
      await this.repository.upsertReferral({
        userId: referral.userId,
        referrerId: referral.referrerId,
        phone: phones[index]!,
        name: referral.name,
        language: referral.language ?? null,
        createdAt: created,
        paid: referral.paid,
        paymentLink: referral.paymentLink ?? null,
      });
    }
  }

  /** The stored createdAt of the referrals pushed without one: one lookup per referrer, by key. */
  private async keptCreatedAt(referrals: readonly PushedReferral[]): Promise<Map<string, Date>> {
    const wanted = new Map<string, Set<string>>();
    for (const referral of referrals) {
      if (referral.createdAt) continue;
      const ids = wanted.get(referral.referrerId) ?? new Set<string>();
      wanted.set(referral.referrerId, ids.add(referral.userId));
    }
    const kept = new Map<string, Date>();
    for (const [referrerId, ids] of wanted) {
      for (const stored of await this.repository.getReferrals(referrerId, [...ids])) kept.set(keyOf(stored), new Date(stored.createdAt));
    }
    return kept;
  }

  async hasActiveSubscription(referrerUserId: string): Promise<boolean> {
    return (await this.repository.getReferrer(referrerUserId))?.active ?? false;
  }

  async getReferrer(referrerUserId: string): Promise<ReferrerProfile | null> {
    const record = await this.repository.getReferrer(referrerUserId);
    return record ? { userId: record.userId, name: record.name, phone: record.phone } : null;
  }

  async getReferrerStatus(referrerUserId: string): Promise<{ active: boolean; profile: ReferrerProfile | null }> {
    const record = await this.repository.getReferrer(referrerUserId);
    return { active: record?.active ?? false, profile: record ? { userId: record.userId, name: record.name, phone: record.phone } : null };
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

  /** The user's referrer record, the referrals under them and their own referral records. */
  async eraseUser(userId: string): Promise<number> {
    return this.repository.deleteUser(userId);
  }

  async purgeReferrals(keys: readonly { referrerId: string; userId: string }[]): Promise<number> {
    return this.repository.deleteReferrals(keys);
  }

  async purgeReferralRecords(userIds: readonly string[]): Promise<number> {
    return this.repository.deleteReferralRecords(userIds);
  }
}

const keyOf = (referral: { referrerId: string; userId: string }) => JSON.stringify([referral.referrerId, referral.userId]);
