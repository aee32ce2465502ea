import type { EngineContext } from "../engine/context.js";
import type { SettleStep } from "../engine/unsettled-writes.js";
import type { Delivery, Target, TargetClaim } from "../model/target.js";
import { decideRetry } from "../policies/retry.js";
import type { CounterTally, TargetChanges } from "../ports/storage.js";
import { exitChanges, failedDelivery, storableError } from "../use-cases/target-transitions.js";
import type { Transition } from "./claim-machine.js";
import type { SenderRun } from "./sender-run.js";
import { owe, retryConditional, settle, type Knowledge } from "./settlement.js";

/*
 * The writes of a claimed day, each one transition of the claim machine (or a reservation's
 * give-back) run through the settlement policy: retried, then owed. A transition that is lost is
 * no error here: its condition failing means another writer (an exit, another process, a recovery)
 * decided first, and the protocol lets it.
 */

/** A step that runs a transition and ignores a lost one. */
const step = (transition: () => Promise<Transition>): SettleStep => transition;

/**
 * claimed → unclaimed with the reservation (if any) given back: nothing was sent (cap spent,
 * window closed, sender unavailable at the number check).
 */
export function release(ctx: EngineContext, run: SenderRun, target: Target, giveBack: SettleStep[], changes: { nextMessageDue?: Date } = {}): Promise<void> {
  return settle(ctx, known(target, "not sent (released)"), [step(() => run.machine.release(target.id, changes)), ...giveBack]);
}

/** A day without an active message: nothing is sent and the next day keeps its own slot. */
export async function skipDay(ctx: EngineContext, run: SenderRun, target: Target, now: Date): Promise<void> {
  await settle(ctx, known(target, "not sent (skipped)"), [step(() => run.machine.skipDay(target, run.plan, now))]);
  ctx.logger.debug({ targetId: target.id, day: target.currentDay }, "day without an active message skipped");
}

/** The number has no WhatsApp: the target exits and the reservation comes back. */
export async function exitInvalidNumber(ctx: EngineContext, run: SenderRun, target: Target, giveBack: SettleStep[]): Promise<void> {
  let exited = false;
  const exit: SettleStep = async () => {
    const outcome = await run.machine.exitInvalidNumber(target.id);
    exited ||= outcome.ok;
  };
  await settle(ctx, known(target, "not sent (invalid number)"), [exit, ...giveBack]);
  if (exited) run.counts.exited++;
}

/**
 * claimed → sending. Null when the re-check failed (or the mark may have applied under an attempt
 * that failed): nothing is sent then, the claim is cleared and the reservation given back. Throws
 * when the storage stays away: nothing was sent, and the same undo is owed.
 */
export async function markSending(ctx: EngineContext, run: SenderRun, claimed: Target, giveBack: SettleStep[]): Promise<Target | null> {
  const knowledge = known(claimed, "not sent");
  const undo = step(() => run.machine.abandon(claimed.id));
  let attempt;
  try {
    attempt = await retryConditional(ctx, () => run.machine.markSending(claimed, ctx.clock.now()));
  } catch (error) {
    owe(ctx, knowledge, [undo, ...giveBack]);
    throw error;
  }
  if (attempt.value.ok) return attempt.value.target;
  // Not marked now; but an attempt that failed may have marked it: nothing left, so clear it.
  await settle(ctx, knowledge, attempt.ambiguous ? [undo, ...giveBack] : giveBack);
  return null;
}

/**
 * sending → recorded. When the target exited meanwhile only the delivery is kept. When the storage
 * stays away, the record is owed (the message id is known here and nowhere else).
 *
 * `tally` (the sender's health count of what left) rides on the write that records the message,
 * in the same storage call (`targets.updateIfCounting`: counted when it applies): the record, or
 * the history-only record after an exit. Only one of them ever applies under this run's `sending`
 * claim, so retries, a lost answer and a later run's replay of what is owed count it once.
 */
export function recordSent(
  ctx: EngineContext,
  run: SenderRun,
  targetId: string,
  day: number,
  advance: TargetChanges,
  delivery: Delivery,
  tally: CounterTally | null = null,
): Promise<void> {
  const record: SettleStep = async () => {
    const outcome = await run.machine.recordSent(targetId, day, advance, delivery, tally);
    if (outcome.ok) return;
    // Exited while the message was leaving: keep the history. Only a claim still at `sending`
    // matches: one cleared by an attempt that applied under an error is recorded already.
    const { current } = await outcome.explain();
    const exitedAt = current?.exitedLoopAt;
    await run.machine.recordSentAfterExit(targetId, delivery, advance, exitedAt != null && delivery.sentAt.getTime() <= exitedAt.getTime(), tally);
  };
  return settle(ctx, { targetId, day, known: "sent", ...(delivery.messageId ? { messageId: delivery.messageId } : {}) }, [record]);
}

/**
 * sending → unclaimed, the reservation given back: the transport refused before anything left
 * (session down, sender restricted). Owed when the storage stays away, so the day is never taken
 * for interrupted later.
 */
export function abandonSending(ctx: EngineContext, run: SenderRun, target: Target, giveBack: SettleStep[]): Promise<void> {
  return settle(ctx, known(target, "not sent"), [step(() => run.machine.abandon(target.id)), ...giveBack]);
}

/**
 * A failed attempt (the send, or the number check at `claimed`): retried after a backoff, or the
 * target exits `send_failed`; the reservation is given back. Counted before the record: the
 * attempt failed, whatever the storage answers now.
 */
export async function recordFailure(
  ctx: EngineContext,
  run: SenderRun,
  target: Target,
  error: unknown,
  stage: TargetClaim["stage"],
  variant: string | null,
  giveBack: SettleStep[],
): Promise<void> {
  const now = ctx.clock.now();
  const failedAttempts = target.failedAttempts + 1;
  const errorMessage = storableError(error instanceof Error ? error.message : String(error));
  const decision = decideRetry(failedAttempts, now, ctx.options.retryBackoffMs);
  const delivery = { ...failedDelivery(target.currentDay, now, errorMessage), ...(variant === null ? {} : { variant }) };
  const changes: TargetChanges =
    decision.kind === "retry"
      ? { failedAttempts, nextMessageDue: decision.at, claim: null, pushDelivery: delivery, updatedAt: now }
      : { ...exitChanges("send_failed", now), claim: null, failedAttempts, pushDelivery: delivery };
  const record: SettleStep = async () => {
    if ((await run.machine.recordFailed(target.id, stage, changes)).ok) return;
    // Exited meanwhile: only the history. Only the stage expected: a claim already cleared was recorded.
    await run.machine.recordFailedAfterExit(target.id, stage, delivery, now);
  };
  run.counts.failed++;
  if (decision.kind === "give_up") run.counts.exited++;
  ctx.logger.warn({ targetId: target.id, day: target.currentDay, failedAttempts, giveUp: decision.kind === "give_up" }, "relance send failed");
  // The record first: it releases the claim, which must not expire into "interrupted".
  await settle(ctx, known(target, "not sent (failed)"), [record, ...giveBack]);
}

const known = (target: Target, what: Knowledge["known"]): Knowledge => ({ targetId: target.id, day: target.claim?.day ?? target.currentDay, known: what });
