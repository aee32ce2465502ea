import type { EngineContext } from "../engine/context.js";
import type { SettleStep } from "../engine/unsettled-writes.js";
import type { Delivery, Target, TargetClaim } from "../model/target.js";
import type { TargetChanges } from "../ports/storage.js";
import type { SenderRun } from "./dispatch-run.js";
import { retryConditional } from "./storage-retry.js";

/*
 * The two writes around a send, made safe against a storage that fails or rolls over mid-way.
 * Both are conditioned on this run's claim (owner and stage), so running one twice is harmless;
 * an error leaves the outcome unknown, so each is retried, and what stays unknown after the
 * retries is settled from what this process knows (see `UnsettledWrites`).
 */

/**
 * Marks the claim `sending`. Null when the re-check failed (or the mark may have applied under
 * a failed attempt): nothing is sent then, the claim is cleared and the reservations given back.
 * Throws when the storage stays away: nothing was sent, and the same undo is owed.
 */
export async function markSending(
  ctx: EngineContext,
  run: SenderRun,
  claimed: Target,
  claim: TargetClaim,
  giveBack: SettleStep[],
): Promise<Target | null> {
  const day = claimed.currentDay;
  const sendAt = ctx.clock.now();
  let attempt;
  try {
    attempt = await retryConditional(ctx, () =>
      ctx.storage.targets.updateIf(
        claimed.id,
        { status: "active", currentDay: day, claimedBy: { owner: run.owner, stage: "claimed" } },
        { claim: { ...claim, stage: "sending", at: sendAt, expiresAt: new Date(sendAt.getTime() + ctx.options.claimTtlMs) }, updatedAt: sendAt },
      ),
    );
  } catch (error) {
    ctx.unsettled.add(`unsent:${claimed.id}:${day}`, { targetId: claimed.id, day, known: "not sent" }, [undoSending(ctx, run, claimed.id), ...giveBack]);
    throw error;
  }
  if (attempt.value) return attempt.value;
  // Not marked now; but an attempt that failed may have marked it: nothing left, so clear it.
  const steps = attempt.ambiguous ? [undoSending(ctx, run, claimed.id), ...giveBack] : giveBack;
  await settleNow(ctx, `unsent:${claimed.id}:${day}`, { targetId: claimed.id, day, known: "not sent" }, steps);
  return null;
}

/**
 * Records a send that left. When the target exited meanwhile, only the delivery is kept. When the
 * storage stays away, the record is owed (the message id is known here and nowhere else) and the
 * error is thrown: the run stops.
 */
export async function recordSent(
  ctx: EngineContext,
  run: SenderRun,
  targetId: string,
  day: number,
  advance: TargetChanges,
  delivery: Delivery,
): Promise<void> {
  const steps: SettleStep[] = [
    async () => {
      const recorded = await ctx.storage.targets.updateIf(
        targetId,
        { status: "active", currentDay: day, claimedBy: { owner: run.owner, stage: "sending" } },
        { ...advance, pushDelivery: delivery },
      );
      if (recorded) return;
      // Exited while the message was leaving: keep the history, change nothing else — except
      // that a day sent no later than the exit counts as delivered before it (a conversion's
      // day). Only a claim still at `sending` matches: one cleared by an attempt that applied
      // under an error is recorded already.
      const exitedAt = (await ctx.storage.targets.get(targetId))?.exitedLoopAt;
      const sentBeforeExit = exitedAt != null && delivery.sentAt.getTime() <= exitedAt.getTime();
      await ctx.storage.targets.updateIf(
        targetId,
        { claimedBy: { owner: run.owner, stage: "sending" } },
        {
          pushDelivery: delivery,
          claim: null,
          ...(sentBeforeExit ? { lastSentDay: advance.lastSentDay, lastSentVariant: advance.lastSentVariant } : {}),
          updatedAt: advance.updatedAt,
        },
      );
    },
  ];
  await settleNow(ctx, `sent:${targetId}:${day}`, { targetId, day, known: "sent", messageId: delivery.messageId }, steps);
}

/**
 * A send the transport refused before anything left (session down, sender restricted): the claim
 * is cleared and the reservations given back; owed when the storage stays away, so the day is
 * never taken for interrupted later.
 */
export async function abandonSending(ctx: EngineContext, run: SenderRun, targetId: string, day: number, giveBack: SettleStep[]): Promise<void> {
  await settleNow(ctx, `unsent:${targetId}:${day}`, { targetId, day, known: "not sent" }, [undoSending(ctx, run, targetId), ...giveBack]);
}

/** Runs the steps with retries; whatever is left when the storage stays away is owed, then thrown. */
export async function settleNow(ctx: EngineContext, key: string, context: Record<string, unknown>, steps: SettleStep[]): Promise<void> {
  const remaining = [...steps];
  try {
    while (remaining.length > 0) {
      await retryConditional(ctx, remaining[0]!);
      remaining.shift();
    }
  } catch (error) {
    ctx.unsettled.add(key, context, remaining);
    throw error;
  }
}

/** Clears this run's `sending` claim of a target nothing was sent to (whatever its status now). */
function undoSending(ctx: EngineContext, run: SenderRun, targetId: string): SettleStep {
  return () => ctx.storage.targets.updateIf(targetId, { claimedBy: { owner: run.owner, stage: "sending" } }, { claim: null, updatedAt: ctx.clock.now() });
}
