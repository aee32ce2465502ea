import type { EngineContext } from "../engine/context.js";
import { IN_LOOP_STATUSES, type Delivery, type ExitReason, type Target } from "../model/target.js";
import { loopDay } from "../policies/holdout.js";
import type { TargetChanges } from "../ports/storage.js";

/** Changes that close the day `target.currentDay` and move on (or complete the loop). */
export function advanceChanges(target: Target, slot: Date, totalDays: number, now: Date, dayIntervalMs: number): Omit<TargetChanges, "updatedAt"> {
  if (target.currentDay >= totalDays) {
    return { status: "completed", exitReason: "completed_7_days", exitedLoopAt: now, nextMessageDue: null, failedAttempts: 0, claim: null };
  }
  return { currentDay: target.currentDay + 1, nextMessageDue: new Date(slot.getTime() + dayIntervalMs), failedAttempts: 0, claim: null };
}

/**
 * Leaves any claim in place: a sender inside the transport call still records what left (and
 * `exitUser` waits on that claim); the sender clears it when it records.
 */
export function exitChanges(reason: ExitReason, now: Date): TargetChanges {
  return { status: "exited", exitReason: reason, exitedLoopAt: now, nextMessageDue: null, updatedAt: now };
}

/**
 * Exits every given target that is still in its loop (active, or holdout: a held-out referral
 * pays or opts out like any other). The condition is only the status read, so an exit wins over
 * any claim: the sender's atomic re-check before sending then fails. `exitDay` dates the exit in
 * the loop, for the lift's conversions by day.
 */
export async function exitTargets(ctx: EngineContext, targets: readonly Target[], reason: ExitReason): Promise<number> {
  let exited = 0;
  for (const target of targets) {
    if (!IN_LOOP_STATUSES.includes(target.status)) continue;
    const now = ctx.clock.now();
    const changes = { ...exitChanges(reason, now), exitDay: loopDay(target.enteredLoopAt, now, ctx.options.dayIntervalMs) };
    const done = await ctx.storage.targets.updateIf(target.id, { status: target.status }, changes);
    if (done) {
      exited++;
      ctx.logger.info({ targetId: target.id, referrerUserId: target.referrerUserId, reason }, "target left the loop");
    }
  }
  return exited;
}

export function failedDelivery(day: number, at: Date, errorMessage: string): Delivery {
  return { day, sentAt: at, status: "failed", errorMessage: storableError(errorMessage) };
}

/**
 * An error message fit to store and show: media URLs are often pre-signed, so their query
 * strings (tokens) are cut, and the length is bounded.
 */
export function storableError(message: string): string {
  return message.replace(/(https?:\/\/[^\s?#"')]+)[?#][^\s"')]*/g, "$1?…").slice(0, 500);
}
