import type { EngineContext } from "../engine/context.js";
import { chooseVariant } from "../policies/variants.js";
import { advanceChanges, failedDelivery } from "../use-cases/target-transitions.js";
import type { ClaimMachine } from "./claim-machine.js";
import type { DayPlan } from "./day-plan.js";

/**
 * What is known of such a day: the re-check passed and the send started, and its outcome was never
 * recorded. A process that only lost its storage settles its own sends (`UnsettledWrites`) before
 * their claims expire, so one left for recovery is a process that stopped, or an outage longer
 * than `claimTtlMs`.
 */
export const INTERRUPTED_REASON =
  "interrupted: send started but its outcome never recorded (process stopped, or storage unreachable past the claim's expiry); not resent, it may have left";

/**
 * A claim left at stage `sending` past its expiry means the process died inside the transport
 * call: the message may have left. At most once per day wins over at least once, so the day is
 * recorded as failed and the target moves on.
 */
export async function recoverInterrupted(ctx: EngineContext, machine: ClaimMachine, loadPlan: () => Promise<DayPlan>): Promise<number> {
  const now = ctx.clock.now();
  const interrupted = await ctx.storage.targets.listInterrupted(now, 100);
  if (interrupted.length === 0) return 0;
  const plan = await loadPlan();
  let recovered = 0;
  for (const target of interrupted) {
    const claim = target.claim!;
    // The variant that may have left is the one any process picks for this target and day.
    const message = plan.byDay.get(claim.day);
    const variant = message ? chooseVariant(message, target.id, claim.day).key : null;
    const delivery = { ...failedDelivery(claim.day, claim.at, INTERRUPTED_REASON), ...(variant === null ? {} : { variant }) };
    const changes =
      target.status === "active" && target.currentDay === claim.day
        ? {
            // With no active message left (totalDays 0) the next run decides; never complete here.
            ...advanceChanges(target, claim.at, plan.totalDays > 0 ? plan.totalDays : target.currentDay + 1, now, ctx.options.dayIntervalMs),
            pushDelivery: delivery,
            updatedAt: now,
          }
        : { claim: null, pushDelivery: delivery, updatedAt: now };
    if ((await machine.recoverInterrupted(target, changes)).ok) {
      recovered++;
      ctx.logger.warn({ targetId: target.id, day: claim.day }, "interrupted send recovered without resending");
    }
  }
  return recovered;
}
