import type { EngineContext } from "../engine/context.js";
import { normalizePhone } from "../model/phone.js";
import { baseLanguage, isLanguage } from "../model/language.js";
import { newTarget } from "../model/target.js";
import type { ReferrerConfig } from "../model/referrer-config.js";
import type { Referral } from "../ports/directory.js";
import { listedNumbers } from "./do-not-contact.js";

export interface EnrollmentResult {
  enrolled: number;
  skipped: number;
}

/**
 * Enrolls every unpaid referral old enough, never seen by this referrer, and not on the
 * do-not-contact list, for every referrer that can send. Safe to run twice or in two processes
 * at once: the storage creates each (referrer, referral) target once.
 */
export async function runEnrollment(ctx: EngineContext): Promise<EnrollmentResult> {
  const result: EnrollmentResult = { enrolled: 0, skipped: 0 };
  const configs = await ctx.storage.configs.listEnrollable();
  for (const config of configs) {
    try {
      const partial = await enrollReferrer(ctx, config);
      result.enrolled += partial.enrolled;
      result.skipped += partial.skipped;
    } catch (error) {
      ctx.logger.error({ referrerUserId: config.referrerUserId, err: String(error) }, "enrollment failed for referrer");
    }
  }
  ctx.logger.debug({ ...result, referrers: configs.length }, "enrollment run finished");
  return result;
}

/**
 * Reads only what changed in the directory since this referrer's last pass, plus the referrals
 * that were too recent to enroll then (by id), so an idle run costs O(referrers). The cursor moves
 * only after every insert of the pass: a pass that fails is read again in full next time.
 */
async function enrollReferrer(ctx: EngineContext, config: ReferrerConfig): Promise<EnrollmentResult> {
  const referrerUserId = config.referrerUserId;
  if (!(await ctx.directory.hasActiveSubscription(referrerUserId))) return { enrolled: 0, skipped: 0 };
  const now = ctx.clock.now();
  const oldestAllowed = now.getTime() - ctx.options.enrollmentMinAgeMs;
  const cursor = await ctx.storage.enrollmentCursors.get(referrerUserId);
  const changes = await ctx.directory.listReferralChanges(referrerUserId, cursor?.since ?? null);
  const changed = new Set(changes.items.map((referral) => referral.userId));
  const waitingIds = (cursor?.waiting ?? []).filter((userId) => !changed.has(userId));
  const waiting = waitingIds.length > 0 ? await ctx.directory.getReferrals(referrerUserId, waitingIds) : [];
  const referrals = [...changes.items, ...waiting];

  const candidates: Array<Referral & { phone: string }> = [];
  const tooRecent = new Set<string>();
  for (const referral of referrals) {
    const phone = normalizePhone(referral.phone);
    if (referral.paid || referral.userId === referrerUserId) continue;
    if (referral.createdAt.getTime() > oldestAllowed) {
      tooRecent.add(referral.userId);
      continue;
    }
    if (!phone) {
      ctx.logger.warn({ referrerUserId, referralUserId: referral.userId }, "referral skipped: phone is not E.164");
      continue;
    }
    candidates.push({ ...referral, phone });
  }
  // Nothing to check on an idle pass: it costs its listing and nothing more.
  const none = new Set<string>();
  const known = candidates.length === 0 ? none : await ctx.storage.targets.findExistingReferralIds(referrerUserId, candidates.map((r) => r.userId));
  const blocked: Set<string> = candidates.length === 0 ? none : await listedNumbers(ctx, candidates.map((r) => r.phone));
  const exited = candidates.length === 0 ? none : await ctx.storage.exitedUsers.filterExited(candidates.map((r) => r.userId));

  let enrolled = 0;
  for (const referral of candidates) {
    if (known.has(referral.userId) || blocked.has(referral.phone) || exited.has(referral.userId)) continue;
    const language = referral.language && isLanguage(referral.language) ? baseLanguage(referral.language) : ctx.options.defaultLanguage;
    const inserted = await ctx.storage.targets.insertIfAbsent(
      newTarget({
        id: ctx.newId(),
        referrerUserId,
        referralUserId: referral.userId,
        language,
        contact: { phone: referral.phone, name: referral.name, paymentLink: referral.paymentLink },
        now,
      }),
    );
    if (inserted) enrolled++;
  }
  // Without a cursor the next pass lists everything anyway: nothing to remember.
  const next = { since: changes.cursor, waiting: changes.cursor === null ? [] : [...tooRecent] };
  if (!cursor || cursor.since !== next.since || !sameIds(cursor.waiting, next.waiting)) {
    await ctx.storage.enrollmentCursors.set({ referrerUserId, ...next, updatedAt: now });
  }
  return { enrolled, skipped: referrals.length - enrolled };
}

function sameIds(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((id, index) => id === b[index]);
}
