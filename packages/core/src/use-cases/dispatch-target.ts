import type { EngineContext } from "../engine/context.js";
import { SenderRestrictedError, TransportUnavailableError } from "../errors.js";
import type { Target, TargetClaim, TargetContact } from "../model/target.js";
import { dailyCounterKey, effectiveDailyCap, firstContactCounterKey, nextInstantAfterDailyLimit } from "../policies/daily-limit.js";
import { decideRetry } from "../policies/retry.js";
import { nextAllowedInstant } from "../policies/send-window.js";
import { chooseVariant } from "../policies/variants.js";
import { firstNameOf, renderDayMessage } from "../policies/template.js";
import type { Referral } from "../ports/directory.js";
import type { LinkState } from "../ports/transport.js";
import type { SettleStep } from "../engine/unsettled-writes.js";
import type { SenderRun } from "./dispatch-run.js";
import { applyEarlyReceipts } from "./receipts.js";
import { waitForTurn } from "./send-turn.js";
import { abandonSending, markSending, recordSent, settleNow } from "./send-writes.js";
import { restrictionOf } from "./sender-holds.js";
import { publishStatus } from "./status.js";
import { advanceChanges, exitChanges, exitTargets, failedDelivery, storableError } from "./target-transitions.js";

/**
 * One due target: claim (atomic) → checks → first-contact and daily reservations (atomic) →
 * pacing and presence → atomic re-check to `sending` → transport → conditional record.
 */
export async function processTarget(ctx: EngineContext, run: SenderRun, target: Target): Promise<void> {
  const { config, result } = run;
  const referrerUserId = config.referrerUserId;
  const now = ctx.clock.now();
  const allowedAt = nextAllowedInstant(now, config.timezone, config.sendWindow);
  if (allowedAt > now) {
    run.deferUntil = allowedAt;
    return;
  }
  const referral = run.referrals.get(target.referralUserId);
  if (referral?.paid) {
    const counted = await exitTargets(ctx, [target], "paid");
    result.exited += counted;
    return;
  }
  const claim: TargetClaim = { owner: run.owner, day: target.currentDay, stage: "claimed", at: now, expiresAt: new Date(now.getTime() + ctx.options.claimTtlMs) };
  const claimed = await ctx.storage.targets.updateIf(
    target.id,
    { status: "active", currentDay: target.currentDay, dueBy: now, unclaimedAt: now },
    { claim, contact: referral ? contactOf(referral, target.contact) : target.contact, updatedAt: now },
  );
  if (!claimed) return;

  const day = claimed.currentDay;
  const message = run.plan.byDay.get(day);
  if (day > run.plan.totalDays || !message) {
    await skipDay(ctx, run, claimed, now);
    return;
  }
  // Stable per target and day: a retry, or another process after a crash, sends the same one.
  const variant = chooseVariant(message, claimed.id, day);
  const variantFields = variant.key === null ? {} : { variant: variant.key };

  // A first message to a number (and its number check) has its own, smaller daily budget: only
  // those targets wait when it is spent, the ones already in conversation keep going.
  const firstContactKey = claimed.lastSentDay === null ? firstContactCounterKey(now, config.timezone) : null;
  if (firstContactKey && (await ctx.storage.counters.tryIncrement(referrerUserId, firstContactKey, ctx.options.maxFirstContactsPerDay)) === null) {
    await release(ctx, run, claimed, { nextMessageDue: nextInstantAfterDailyLimit(now, config.timezone, config.sendWindow) });
    result.deferred++;
    return;
  }
  const firstContactSteps: SettleStep[] = firstContactKey ? [() => ctx.storage.counters.decrement(referrerUserId, firstContactKey)] : [];
  const giveBackFirstContact = async () => {
    for (const step of firstContactSteps) await step();
  };
  if (!(await checkNumber(ctx, run, claimed, firstContactSteps))) return;

  const counterKey = dailyCounterKey(now, config.timezone);
  const dailyCap = effectiveDailyCap(ctx.options, config.whatsapp.linkedAt, now, config.timezone);
  if ((await ctx.storage.counters.tryIncrement(referrerUserId, counterKey, dailyCap)) === null) {
    await giveBackFirstContact();
    run.deferUntil = nextInstantAfterDailyLimit(now, config.timezone, config.sendWindow);
    await release(ctx, run, claimed, { nextMessageDue: run.deferUntil });
    result.deferred++;
    return;
  }
  const giveBackSteps = [
    () => ctx.storage.counters.decrement(referrerUserId, counterKey),
    ...(firstContactKey ? [() => ctx.storage.counters.decrement(referrerUserId, firstContactKey)] : []),
  ];
  const giveBackReservation = async () => {
    for (const step of giveBackSteps) await step();
  };

  const contact = claimed.contact;
  const rendered = renderDayMessage(variant.message, claimed.language, ctx.options.defaultLanguage, {
    name: contact.name,
    firstName: firstNameOf(contact.name),
    referrerName: run.profile?.name ?? "",
    day,
    totalDays: run.plan.totalDays,
    paymentLink: contact.paymentLink,
  });

  await waitForTurn(ctx, run.batch, contact.phone);
  const sendAt = ctx.clock.now();
  const stillAllowed = nextAllowedInstant(sendAt, config.timezone, config.sendWindow);
  if (stillAllowed > sendAt) {
    await giveBackReservation();
    await release(ctx, run, claimed, { nextMessageDue: stillAllowed });
    result.deferred++;
    run.deferUntil = stillAllowed;
    return;
  }

  // The atomic re-check: from here on an exit can no longer slip in before the send. When it
  // fails, markSending has cleared what it may have marked and given the reservations back.
  const sending = await markSending(ctx, run, claimed, claim, giveBackSteps);
  if (!sending) return;

  let sent;
  try {
    sent = await ctx.inFlight.track(
      claimed.referralUserId,
      ctx.transport.send(
        referrerUserId,
        { to: contact.phone, text: rendered.text, media: rendered.media, language: rendered.language },
        { idempotencyKey: `${claimed.id}:${day}`, targetId: claimed.id, day },
      ),
    );
  } catch (error) {
    // Nothing left: known here and nowhere else, so every write from now on is owed if the
    // storage stays away (the claim is still ours until it expires).
    if (error instanceof TransportUnavailableError || error instanceof SenderRestrictedError) {
      holdRun(run, error);
      await abandonSending(ctx, run, claimed.id, day, giveBackSteps);
      return;
    }
    await recordFailure(ctx, run, sending, error, "sending", variant.key, giveBackSteps);
    return;
  }

  const sentAt = ctx.clock.now();
  ctx.pacer.sent(referrerUserId, sentAt);
  const delivery = {
    day,
    sentAt,
    status: "sent" as const,
    messageId: sent.messageId,
    mediaMessageIds: sent.mediaMessageIds,
    ...variantFields,
    ...(sent.partialFailure ? { errorMessage: storableError(sent.partialFailure) } : {}),
  };
  if (sent.partialFailure) ctx.logger.warn({ targetId: claimed.id, day, reason: storableError(sent.partialFailure) }, "text sent, some media failed");
  // Counted before the record: the message left, whatever the storage answers now.
  result.sent++;
  run.sent++;
  const advance = { ...advanceChanges(sending, sentAt, run.plan.totalDays, sentAt, ctx.options.dayIntervalMs), lastSentDay: day, lastSentVariant: variant.key, updatedAt: sentAt };
  await recordSent(ctx, run, claimed.id, day, advance, delivery);
  // Receipts that beat the record (a read receipt while the media were still uploading).
  await applyEarlyReceipts(ctx, [delivery.messageId, ...delivery.mediaMessageIds]);
  ctx.logger.info({ targetId: claimed.id, referrerUserId, day }, "relance sent");
  // messagesSentToday changed: status subscribers (the SSE stream) hear it.
  if (ctx.events.hasListeners) await publishStatus(ctx, config);
}

/**
 * The sender cannot send (session down) or must not (restricted): the rest of the run holds,
 * no attempt counted. A restriction's held targets are counted when the run holds them.
 */
function holdRun(run: SenderRun, error: TransportUnavailableError | SenderRestrictedError): void {
  if (error instanceof SenderRestrictedError) {
    run.restricted = restrictionOf(error);
    return;
  }
  run.unavailable = { status: error.linkStatus as LinkState["status"], phone: null, reason: error.message };
  run.result.held++;
}

function contactOf(referral: Referral, previous: TargetContact): TargetContact {
  return { phone: previous.phone, name: referral.name || previous.name, paymentLink: referral.paymentLink ?? previous.paymentLink };
}

async function release(ctx: EngineContext, run: SenderRun, target: Target, changes: { nextMessageDue?: Date }): Promise<void> {
  await ctx.storage.targets.updateIf(
    target.id,
    { status: "active", claimedBy: { owner: run.owner, stage: "claimed" } },
    { ...changes, claim: null, updatedAt: ctx.clock.now() },
  );
}

/** A day without an active message: nothing is sent and the next day keeps its own slot. */
async function skipDay(ctx: EngineContext, run: SenderRun, target: Target, now: Date): Promise<void> {
  const slot = new Date(Math.max(now.getTime(), target.nextMessageDue?.getTime() ?? now.getTime()));
  const changes =
    target.currentDay > run.plan.totalDays
      ? { status: "completed" as const, exitReason: "completed_7_days" as const, exitedLoopAt: now, nextMessageDue: null, claim: null }
      : advanceChanges(target, slot, run.plan.totalDays, now, ctx.options.dayIntervalMs);
  await ctx.storage.targets.updateIf(target.id, { status: "active", claimedBy: { owner: run.owner, stage: "claimed" } }, { ...changes, updatedAt: now });
  ctx.logger.debug({ targetId: target.id, day: target.currentDay }, "day without an active message skipped");
}

/** Before the first message to a number: is it on WhatsApp at all? */
async function checkNumber(ctx: EngineContext, run: SenderRun, target: Target, giveBack: SettleStep[]): Promise<boolean> {
  if (target.lastSentDay !== null) return true;
  let onWhatsApp: boolean;
  try {
    onWhatsApp = await ctx.transport.isOnWhatsApp(run.config.referrerUserId, target.contact.phone);
  } catch (error) {
    if (error instanceof TransportUnavailableError || error instanceof SenderRestrictedError) {
      await release(ctx, run, target, {});
      holdRun(run, error);
      for (const step of giveBack) await step();
    } else {
      // Counted like a failed send, so a number that always fails to check cannot block the queue.
      await recordFailure(ctx, run, target, error, "claimed", null, giveBack);
    }
    return false;
  }
  if (onWhatsApp) return true;
  const now = ctx.clock.now();
  const exited = await ctx.storage.targets.updateIf(
    target.id,
    { status: "active", claimedBy: { owner: run.owner, stage: "claimed" } },
    { ...exitChanges("invalid_number", now), claim: null },
  );
  if (exited) run.result.exited++;
  for (const step of giveBack) await step();
  return false;
}

async function recordFailure(
  ctx: EngineContext,
  run: SenderRun,
  target: Target,
  error: unknown,
  stage: TargetClaim["stage"] = "sending",
  variant: string | null = null,
  giveBack: SettleStep[] = [],
): Promise<void> {
  const now = ctx.clock.now();
  const failedAttempts = target.failedAttempts + 1;
  const errorMessage = storableError(error instanceof Error ? error.message : String(error));
  const decision = decideRetry(failedAttempts, now, ctx.options.retryBackoffMs);
  const delivery = { ...failedDelivery(target.currentDay, now, errorMessage), ...(variant === null ? {} : { variant }) };
  const changes =
    decision.kind === "retry"
      ? { failedAttempts, nextMessageDue: decision.at, claim: null, pushDelivery: delivery, updatedAt: now }
      : { ...exitChanges("send_failed", now), claim: null, failedAttempts, pushDelivery: delivery };
  const record: SettleStep = async () => {
    const recorded = await ctx.storage.targets.updateIf(target.id, { status: "active", claimedBy: { owner: run.owner, stage } }, changes);
    if (recorded) return;
    // Exited meanwhile: only the history. Only the stage expected: a claim already cleared was recorded.
    await ctx.storage.targets.updateIf(target.id, { claimedBy: { owner: run.owner, stage } }, { pushDelivery: delivery, claim: null, updatedAt: now });
  };
  // Counted before the record: the attempt failed, whatever the storage answers now.
  run.result.failed++;
  if (decision.kind === "give_up") run.result.exited++;
  ctx.logger.warn({ targetId: target.id, day: target.currentDay, failedAttempts, giveUp: decision.kind === "give_up" }, "relance send failed");
  // The record first: it releases the claim, which must not expire into "interrupted".
  await settleNow(ctx, `failed:${target.id}:${target.currentDay}`, { targetId: target.id, day: target.currentDay, known: "not sent (failed)" }, [record, ...giveBack]);
}
