import type { EngineContext } from "../engine/context.js";
import { dailyCounterKey } from "../policies/daily-limit.js";
import type { TargetStats } from "../ports/storage.js";
import { loadConfig } from "./status.js";

export interface RelanceStats extends TargetStats {
  sentToday: number;
}

/** One referrer's numbers; `sentToday` is their local calendar day. */
export async function referrerStats(ctx: EngineContext, referrerUserId: string): Promise<RelanceStats> {
  const config = await loadConfig(ctx, referrerUserId);
  const [stats, sentToday] = await Promise.all([
    ctx.storage.targets.stats({ referrerUserId }),
    ctx.storage.counters.get(referrerUserId, dailyCounterKey(ctx.clock.now(), config.timezone)),
  ]);
  return { ...stats, sentToday };
}

/** Every referrer's numbers; `sentToday` counts the counters of today in the default time zone. */
export async function globalStats(ctx: EngineContext): Promise<RelanceStats> {
  const [stats, sentToday] = await Promise.all([
    ctx.storage.targets.stats({}),
    ctx.storage.counters.sumForDay(dailyCounterKey(ctx.clock.now(), ctx.options.defaultTimezone)),
  ]);
  return { ...stats, sentToday };
}
