import type { EngineContext } from "../engine/context.js";
import { SenderRestrictedError, TransportUnavailableError } from "../errors.js";
import type { Target, TargetContact } from "../model/target.js";
import { nextInstantAfterDailyLimit } from "../policies/daily-limit.js";
import { nextAllowedInstant } from "../policies/send-window.js";
import { chooseVariant } from "../policies/variants.js";
import { firstNameOf, renderDayMessage } from "../policies/template.js";
import type { Referral } from "../ports/directory.js";
import type { LinkState } from "../ports/transport.js";
import { applyEarlyReceipts } from "../use-cases/receipts.js";
import { waitForTurn } from "../use-cases/send-turn.js";
import { countForHealth } from "../use-cases/sender-health.js";
import { restrictionOf } from "../use-cases/sender-holds.js";
import { advanceChanges, exitTargets, storableError } from "../use-cases/target-transitions.js";
import { abandonSending, exitInvalidNumber, markSending, recordFailure, recordSent, release, skipDay } from "./day-writes.js";
import { Reservation, slotsFor } from "./reservation.js";
import { countSentAndPublish } from "./sent-status.js";
import type { SenderRun } from "./sender-run.js";

/**
 * One due target, straight-line: day plan → claim with its reservations (daily cap, and first
 * contact), one storage call → number check (first contact) → pacing and presence → window
 * re-check → `sending` → transport → record. Every write after the claim goes through the settlement policy (`day-writes.ts`).
 */
export async function processTarget(ctx: EngineContext, run: SenderRun, target: Target): Promise<void> {
  const { config, counts } = run;
  const referrerUserId = config.referrerUserId;
  const now = ctx.clock.now();
  // The sender's own part of the window: its day starts at its stable offset (pacing policy).
  const window = ctx.pacer.windowOf(referrerUserId, config.sendWindow);
  const allowedAt = nextAllowedInstant(now, config.timezone, window);
  if (allowedAt > now) {
    run.state = { kind: "deferred", until: allowedAt };
    return;
  }
  const referral = run.referrals.get(target.referralUserId);
  if (referral?.paid) {
    const counted = await exitTargets(ctx, [target], "paid");
    counts.exited += counted;
    return;
  }
  const contactNow = referral ? contactOf(referral, target.contact) : target.contact;
  const day = target.currentDay;
  const message = run.plan.byDay.get(day);
  if (day > run.plan.totalDays || !message) {
    // Nothing to send that day: claimed without slots, then the day is skipped.
    const claim = await run.machine.claim(target, now, contactNow);
    if (claim.ok) await skipDay(ctx, run, claim.target, now);
    return;
  }

  // The claim takes the send's slots in the same storage call (the claim requires this very
  // day, so the target as listed tells whether it is a first contact). A first message to a
  // number (and its number check) also takes a slot of its own, smaller daily budget: only those
  // targets wait when it is spent, the ones in conversation keep going.
  const firstContact = target.lastSentDay === null;
  const slots = slotsFor(ctx, config, firstContact, now, run.health.state);
  const claim = await run.machine.claim(target, now, contactNow, { referrerUserId, slots: slots.map((slot) => ({ day: slot.key, cap: slot.cap })) });
  if (!claim.ok) {
    if (!("full" in claim)) return;
    const until = nextInstantAfterDailyLimit(now, config.timezone, window);
    // The daily cap stops the sender (its due targets, this one too, are deferred when the run
    // ends); a spent first-contact budget or new-chat quota only this target.
    if (slots[claim.full]!.kind === "daily") {
      run.state = { kind: "deferred", until };
      return;
    }
    const postponed = await run.machine.postpone(target, now, until);
    if (postponed.ok) counts.deferred++;
    return;
  }
  const claimed = claim.target;
  // Stable per target and day: a retry, or another process after a crash, sends the same one.
  const variant = chooseVariant(message, claimed.id, day);
  const giveBack = new Reservation(ctx, referrerUserId, slots).giveBack();
  if (firstContact && !(await checkNumber(ctx, run, claimed, giveBack))) return;

  const contact = claimed.contact;
  const rendered = renderDayMessage(variant.message, claimed.language, ctx.options.defaultLanguage, {
    name: contact.name,
    firstName: firstNameOf(contact.name),
    referrerName: run.profile?.name ?? "",
    day,
    totalDays: run.plan.totalDays,
    paymentLink: contact.paymentLink,
  });

  await waitForTurn(ctx, run.batch, contact.phone, firstContact ? "first_contact" : "follow_up");
  const sendAt = ctx.clock.now();
  const stillAllowed = nextAllowedInstant(sendAt, config.timezone, window);
  if (stillAllowed > sendAt) {
    await release(ctx, run, claimed, giveBack, { nextMessageDue: stillAllowed });
    counts.deferred++;
    run.state = { kind: "deferred", until: stillAllowed };
    return;
  }

  const sending = await markSending(ctx, run, claimed, giveBack);
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
      await abandonSending(ctx, run, sending, giveBack);
      return;
    }
    await recordFailure(ctx, run, sending, error, "sending", variant.key, giveBack);
    return;
  }

  const sentAt = ctx.clock.now();
  ctx.pacer.sent(referrerUserId, sentAt, firstContact ? "first_contact" : "follow_up");
  const delivery = {
    day,
    sentAt,
    status: "sent" as const,
    messageId: sent.messageId,
    mediaMessageIds: sent.mediaMessageIds,
    ...(variant.key === null ? {} : { variant: variant.key }),
    ...(sent.partialFailure ? { errorMessage: storableError(sent.partialFailure) } : {}),
  };
  if (sent.partialFailure) ctx.logger.warn({ targetId: claimed.id, day, reason: storableError(sent.partialFailure) }, "text sent, some media failed");
  // Counted before the record: the message left, whatever the storage answers now.
  counts.sent++;
  const advance = { ...advanceChanges(sending, sentAt, run.plan.totalDays, sentAt, ctx.options.dayIntervalMs), lastSentDay: day, lastSentVariant: variant.key, updatedAt: sentAt };
  await recordSent(ctx, run, claimed.id, day, advance, delivery);
  // The sender's health counts what left, by the hour it left (its receipts count under the same hour).
  await countForHealth(ctx, referrerUserId, sentAt, "sent");
  // Receipts that beat the record (a read receipt while the media were still uploading).
  await applyEarlyReceipts(ctx, [delivery.messageId, ...delivery.mediaMessageIds]);
  ctx.logger.info({ targetId: claimed.id, referrerUserId, day }, "relance sent");
  // messagesSentToday changed: status subscribers (the SSE stream) hear it, from what the run
  // counted rather than read back (round trips per message otherwise, whenever anyone listens).
  await countSentAndPublish(ctx, run, slots);
}

/**
 * The sender cannot send (session down) or must not (restricted): the rest of the run holds,
 * no attempt counted. A restriction's held targets are counted when the run holds them.
 */
function holdRun(run: SenderRun, error: TransportUnavailableError | SenderRestrictedError): void {
  if (error instanceof SenderRestrictedError) {
    run.state = { kind: "held", why: "restricted", restriction: restrictionOf(error) };
    return;
  }
  run.state = { kind: "held", why: "unavailable", link: { status: error.linkStatus as LinkState["status"], phone: null, reason: error.message } };
  run.counts.held++;
}

function contactOf(referral: Referral, previous: TargetContact): TargetContact {
  return { phone: previous.phone, name: referral.name || previous.name, paymentLink: referral.paymentLink ?? previous.paymentLink };
}

/** Before the first message to a number: is it on WhatsApp at all? False when nothing may be sent. */
async function checkNumber(ctx: EngineContext, run: SenderRun, target: Target, giveBack: Parameters<typeof release>[3]): Promise<boolean> {
  let onWhatsApp: boolean;
  try {
    onWhatsApp = await ctx.transport.isOnWhatsApp(run.config.referrerUserId, target.contact.phone);
  } catch (error) {
    if (error instanceof TransportUnavailableError || error instanceof SenderRestrictedError) {
      holdRun(run, error);
      await release(ctx, run, target, giveBack);
    } else {
      // Counted like a failed send, so a number that always fails to check cannot block the queue.
      await recordFailure(ctx, run, target, error, "claimed", null, giveBack);
    }
    return false;
  }
  if (onWhatsApp) return true;
  await exitInvalidNumber(ctx, run, target, giveBack);
  return false;
}
