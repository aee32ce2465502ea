import type { EngineContext } from "../engine/context.js";
import { normalizePhone } from "../model/phone.js";
import { baseLanguage, isLanguage } from "../model/language.js";
import { newTarget, type NewTargetInput } from "../model/target.js";
import { totalDaysOf } from "../model/message.js";
import { settingsOf } from "../model/settings.js";
import { holdoutEnd, holdoutGroup } from "../policies/holdout.js";
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
  const holdout = configs.length === 0 ? NO_HOLDOUT : await holdoutOfRun(ctx);
  for (const config of configs) {
    try {
      const partial = await enrollReferrer(ctx, config, holdout);
      result.enrolled += partial.enrolled;
      result.skipped += partial.skipped;
    } catch (error) {
      ctx.logger.error({ referrerUserId: config.referrerUserId, err: String(error) }, "enrollment failed for referrer");
    }
  }
  ctx.logger.debug({ ...result, referrers: configs.length }, "enrollment run finished");
  return result;
}

/** The holdout in force for one enrollment run: its share, and the loop's length its ends follow. */
interface RunHoldout {
  percent: number;
  totalDays: number;
}

const NO_HOLDOUT: RunHoldout = { percent: 0, totalDays: 0 };

/** One settings read per run (and the messages only while a holdout is set). */
async function holdoutOfRun(ctx: EngineContext): Promise<RunHoldout> {
  const { holdoutPercent } = settingsOf(await ctx.storage.settings.get());
  if (holdoutPercent <= 0) return NO_HOLDOUT;
  return { percent: holdoutPercent, totalDays: totalDaysOf(await ctx.storage.messages.list()) };
}

/**
 * While a holdout is set, the referral's group (a pure function of its id, so any instance or
 * retry enrolling it agrees) and, held out, when its sequence would end.
 */
function groupFields(ctx: EngineContext, config: ReferrerConfig, referralUserId: string, holdout: RunHoldout, now: Date): Pick<NewTargetInput, "group" | "holdoutEndsAt"> {
  const group = holdoutGroup(referralUserId, holdout.percent);
  if (group !== "holdout") return group ? { group } : {};
  const timeZone = config.timezone || ctx.options.defaultTimezone;
  const window = config.sendWindow ?? ctx.options.defaultSendWindow;
  return { group, holdoutEndsAt: holdoutEnd(now, timeZone, window, Math.max(1, holdout.totalDays), ctx.options.dayIntervalMs) };
}

/**
 * Reads only what changed in the directory since this referrer's last pass, plus the referrals
 * that were too recent to enroll then (by id), so an idle run costs O(referrers). The cursor moves
 * only after every insert of the pass: a pass that fails is read again in full next time.
 */
async function enrollReferrer(ctx: EngineContext, config: ReferrerConfig, holdout: RunHoldout): Promise<EnrollmentResult> {
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
        ...groupFields(ctx, config, referral.userId, holdout, now),
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
