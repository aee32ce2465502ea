import type { EngineContext } from "../engine/context.js";
import { dailyCounterKey } from "../policies/daily-limit.js";
import type { LiftCounts, TargetStats, VariantStats } from "../ports/storage.js";
import { totalDaysOf } from "../model/message.js";
import { liftOf, type Lift } from "../policies/lift.js";
import { loadConfig } from "./load-config.js";

/**
 * A conversion is a referral that paid while in the loop (`total`). It is counted under the day
 * of the last message sent no later than the payment (`byDay`); one who paid before any
 * message was sent is counted in `paidBeforeFirstMessage` instead, so that
 * `total = Σ byDay + paidBeforeFirstMessage`.
 */
export interface ConversionStats {
  total: number;
  byDay: Record<string, number>;
  /** Per day with variants, per variant: its messages sent, and conversions attributed like `byDay`. */
  byVariant: Record<string, Record<string, VariantStats>>;
  paidBeforeFirstMessage: number;
}

/** Both groups' cumulative conversion by the loop's day `day` (1 = the first 24 h), with the lift then. */
export interface LiftByDay {
  day: number;
  treated: number;
  holdout: number;
  absolute: number | null;
  ci95: [number, number] | null;
}

/** The measured lift (targets enrolled while a holdout was set), and its course over the loop's days. */
export interface LiftStats extends Lift {
  byDay: LiftByDay[];
}

export interface RelanceStats extends Omit<TargetStats, "conversions"> {
  conversions: ConversionStats;
  sentToday: number;
  lift: LiftStats;
}

/**
 * The lift from the store's counts: overall, and cumulated day by day over the loop's length
 * (longer if a treated target, held back by caps or windows, paid later).
 */
export function liftStats(counts: LiftCounts, totalDays: number): LiftStats {
  const lift = liftOf(counts.treated, counts.holdout);
  const lastDay = Math.max(totalDays, ...[counts.treated, counts.holdout].flatMap((group) => Object.keys(group.convertedByDay).map(Number)));
  const byDay: LiftByDay[] = [];
  let treated = 0;
  let holdout = 0;
  for (let day = 1; day <= lastDay && (counts.treated.targets > 0 || counts.holdout.targets > 0); day++) {
    treated += counts.treated.convertedByDay[String(day)] ?? 0;
    holdout += counts.holdout.convertedByDay[String(day)] ?? 0;
    const then = liftOf({ targets: counts.treated.targets, converted: treated }, { targets: counts.holdout.targets, converted: holdout });
    byDay.push({ day, treated: then.treated.rate, holdout: then.holdout.rate, absolute: then.absolute, ci95: then.ci95 });
  }
  return { ...lift, byDay };
}

/**
 * Storage counts paid exits and the attributed ones; the difference paid before any message.
 * Held-out referrals who paid are the holdout's conversions, none of the relances'.
 */
function withConversions(stats: TargetStats, sentToday: number, lift: LiftStats): RelanceStats {
  const paid = Math.max(0, (stats.exited.paid ?? 0) - lift.holdout.converted);
  const attributed = stats.conversions.total;
  return {
    ...stats,
    conversions: { total: paid, byDay: stats.conversions.byDay, byVariant: stats.conversions.byVariant, paidBeforeFirstMessage: Math.max(0, paid - attributed) },
    sentToday,
    lift,
  };
}

/** One referrer's numbers; `sentToday` is their local calendar day. */
export async function referrerStats(ctx: EngineContext, referrerUserId: string): Promise<RelanceStats> {
  const config = await loadConfig(ctx, referrerUserId);
  const [stats, sentToday, lift] = await Promise.all([
    ctx.storage.targets.stats({ referrerUserId }),
    ctx.storage.counters.get(referrerUserId, dailyCounterKey(ctx.clock.now(), config.timezone)),
    measuredLift(ctx, { referrerUserId }),
  ]);
  return withConversions(stats, sentToday, lift);
}

/** Every referrer's numbers; `sentToday` counts the counters of today in the default time zone. */
export async function globalStats(ctx: EngineContext): Promise<RelanceStats> {
  const [stats, sentToday, lift] = await Promise.all([
    ctx.storage.targets.stats({}),
    ctx.storage.counters.sumForDay(dailyCounterKey(ctx.clock.now(), ctx.options.defaultTimezone)),
    measuredLift(ctx, {}),
  ]);
  return withConversions(stats, sentToday, lift);
}

async function measuredLift(ctx: EngineContext, filter: { referrerUserId?: string }): Promise<LiftStats> {
  const [counts, messages] = await Promise.all([ctx.storage.targets.liftCounts(filter), ctx.storage.messages.list()]);
  return liftStats(counts, totalDaysOf(messages));
}
