import type { EngineContext } from "../engine/context.js";
import type { ReferrerConfig } from "../model/referrer-config.js";
import {
  healthCounterKey,
  healthCounterOwner,
  healthKeyRange,
  judgeHealth,
  sumHealthCounters,
  type HealthSeries,
  type SenderHealth,
} from "../policies/sender-health.js";
import { deferHeld, resumeHeld, type HoldCounts } from "./sender-holds.js";
import { publishStatus } from "./status.js";

/**
 * Counts one message (or one receipt of it) in its sender's hourly health counters, under the
 * hour the message was sent in. Best effort: a storage error here is logged, never allowed to
 * touch the send or the receipt it follows (the health is a judgement, not a guarantee).
 */
export async function countForHealth(ctx: EngineContext, referrerUserId: string, sentAt: Date, series: HealthSeries): Promise<void> {
  if (!ctx.options.senderHealth) return;
  try {
    await ctx.storage.counters.tryIncrement(healthCounterOwner(referrerUserId), healthCounterKey(sentAt, series), Number.MAX_SAFE_INTEGER);
  } catch (error) {
    ctx.logger.warn({ referrerUserId, series, err: String(error) }, "sender health counter not updated");
  }
}

/**
 * The sender's health now, from its hourly counters over the lookback (one bounded read, whatever
 * the number of targets) and, for what is shown (`restricted`), the restriction WhatsApp put
 * on it if any. Dispatch's gate leaves the restriction out: its own hold (`holdRestricted`) deals
 * with it, told once, re-checked by the next send when its end is unknown.
 */
export async function assessHealth(ctx: EngineContext, config: ReferrerConfig, now: Date, restricted = true): Promise<SenderHealth> {
  if (!ctx.options.senderHealth) return { state: "good", reason: null, deliveredShare: null };
  const range = healthKeyRange(ctx.options, now, config.healthHold?.judgeFrom ?? null);
  const counters = await ctx.storage.counters.listRange(healthCounterOwner(config.referrerUserId), range.from, range.to);
  const health = judgeHealth(ctx.options, sumHealthCounters(ctx.options, now, counters));
  return restricted ? withRestriction(health, config, now) : health;
}

/** The health judged from the counters, shown `at_risk` while WhatsApp restricts the account (pure). */
export function withRestriction(health: SenderHealth, config: ReferrerConfig, now: Date): SenderHealth {
  const restriction = config.restriction;
  if (restriction && (restriction.until === null || restriction.until > now)) {
    return { state: "at_risk", reason: `WhatsApp restricts the account: ${restriction.reason}`, deliveredShare: health.deliveredShare };
  }
  return health;
}

/**
 * Dispatch's health gate, once per sender and run (it holds the sender's lease, so one process
 * decides). `at_risk`: every due target is held (no attempt counted, targets kept), the referrer
 * is told once, and null is returned. A held sender is resumed by itself once its receipts
 * recover, or after `healthCoolDownMs` (judged afresh from then on: the receipts that held it
 * are not held against it again). Otherwise the (possibly updated) config and the health, whose
 * `degraded` state reduces the day's cap.
 */
export async function healthGate(ctx: EngineContext, config: ReferrerConfig, counts: HoldCounts): Promise<{ config: ReferrerConfig; health: SenderHealth } | null> {
  const referrerUserId = config.referrerUserId;
  const now = ctx.clock.now();
  const hold = config.healthHold ?? null;
  let health = await assessHealth(ctx, config, now, false);
  if (hold?.heldSince) {
    const cooledDown = now.getTime() - hold.heldSince.getTime() >= ctx.options.healthCoolDownMs;
    if (health.state === "at_risk" && !cooledDown) {
      counts.held += await deferHeld(ctx, referrerUserId);
      return null;
    }
    const judgeFrom = health.state === "at_risk" ? now : hold.judgeFrom;
    const updated = await ctx.storage.configs.update(referrerUserId, { healthHold: { heldSince: null, reason: null, judgeFrom }, updatedAt: now });
    config = updated ?? config;
    if (health.state === "at_risk") health = await assessHealth(ctx, config, now, false);
    ctx.logger.info({ referrerUserId, state: health.state, cooledDown }, "sender health: sending resumes");
    // Its held targets are due again now, not after the next recheck.
    await resumeHeld(ctx, referrerUserId);
    if (updated) await publishStatus(ctx, updated);
    return { config, health };
  }
  if (health.state !== "at_risk") return { config, health };

  const held = await deferHeld(ctx, referrerUserId);
  counts.held += held;
  const updated = await ctx.storage.configs.update(referrerUserId, { healthHold: { heldSince: now, reason: health.reason, judgeFrom: hold?.judgeFrom ?? null }, updatedAt: now });
  ctx.logger.warn({ referrerUserId, reason: health.reason, deliveredShare: health.deliveredShare, held }, "sender at risk: sending held");
  try {
    await ctx.notifier.notify({
      type: "sender_at_risk",
      referrerUserId,
      reason: health.reason ?? "at risk",
      deliveredShare: health.deliveredShare,
      resumesBy: new Date(now.getTime() + ctx.options.healthCoolDownMs),
      heldTargets: held,
      at: now,
    });
  } catch (error) {
    ctx.logger.warn({ referrerUserId, err: String(error) }, "referrer notification failed");
  }
  if (updated) await publishStatus(ctx, updated);
  return null;
}
