import type { EngineContext } from "../engine/context.js";
import { dailyCounterKey } from "../policies/daily-limit.js";
import type { TargetStats, VariantStats } from "../ports/storage.js";
import { loadConfig } from "./status.js";

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

export interface RelanceStats extends Omit<TargetStats, "conversions"> {
  conversions: ConversionStats;
  sentToday: number;
}

/** Storage counts paid exits and the attributed ones; the difference paid before any message. */
function withConversions(stats: TargetStats, sentToday: number): RelanceStats {
  const paid = stats.exited.paid ?? 0;
  const attributed = stats.conversions.total;
  return {
    ...stats,
    conversions: { total: paid, byDay: stats.conversions.byDay, byVariant: stats.conversions.byVariant, paidBeforeFirstMessage: Math.max(0, paid - attributed) },
    sentToday,
  };
}

/** One referrer's numbers; `sentToday` is their local calendar day. */
export async function referrerStats(ctx: EngineContext, referrerUserId: string): Promise<RelanceStats> {
  const config = await loadConfig(ctx, referrerUserId);
  const [stats, sentToday] = await Promise.all([
    ctx.storage.targets.stats({ referrerUserId }),
    ctx.storage.counters.get(referrerUserId, dailyCounterKey(ctx.clock.now(), config.timezone)),
  ]);
  return withConversions(stats, sentToday);
}

/** Every referrer's numbers; `sentToday` counts the counters of today in the default time zone. */
export async function globalStats(ctx: EngineContext): Promise<RelanceStats> {
  const [stats, sentToday] = await Promise.all([
    ctx.storage.targets.stats({}),
    ctx.storage.counters.sumForDay(dailyCounterKey(ctx.clock.now(), ctx.options.defaultTimezone)),
  ]);
  return withConversions(stats, sentToday);
}
