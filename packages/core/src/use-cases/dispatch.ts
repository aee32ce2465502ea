import { forEachWithConcurrency } from "../engine/concurrency.js";
import type { EngineContext } from "../engine/context.js";
import { SessionDrivenElsewhereError, TransportUnavailableError } from "../errors.js";
import type { ReferrerConfig } from "../model/referrer-config.js";
import type { Target, TargetClaim, TargetContact } from "../model/target.js";
import { dailyCounterKey, nextInstantAfterDailyLimit } from "../policies/daily-limit.js";
import { decideRetry } from "../policies/retry.js";
import { nextAllowedInstant } from "../policies/send-window.js";
import { firstNameOf, renderDayMessage } from "../policies/template.js";
import type { Referral, ReferrerProfile } from "../ports/directory.js";
import type { LinkState } from "../ports/transport.js";
import { dayPlanOf, type DayPlan } from "./day-plan.js";
import { recoverInterrupted } from "./interrupted-sends.js";
import { applyLinkState, loadConfig, notifySenderDown, publishStatus } from "./status.js";
import { advanceChanges, exitChanges, exitTargets, failedDelivery, storableError } from "./target-transitions.js";

export interface DispatchResult {
  sent: number;
  failed: number;
  deferred: number;
  held: number;
  exited: number;
}

/** One referrer's share of a dispatch run. */
interface SenderRun {
  config: ReferrerConfig;
  profile: ReferrerProfile | null;
  referrals: Map<string, Referral>;
  owner: string;
  plan: DayPlan;
  result: DispatchResult;
  /** Set when the window closed or the daily limit is reached: every due target waits until then. */
  deferUntil: Date | null;
  /** Set when the session stopped being able to send: the rest of the run holds. */
  unavailable: LinkState | null;
  /** Set when the referrer paused, or this process lost the sender: the rest of the run holds. */
  stopped: boolean;
  /** When `config` was read (clock ms). */
  configReadAt: number;
}

const MAX_REFERRERS_PER_RUN = 10_000;

/**
 * Sends what is due. Each target goes through: claim (atomic) → checks → daily-limit reservation
 * (atomic) → pacing → atomic re-check to `sending` → transport → conditional record. Whatever
 * happens between two steps (an exit, another process, a crash), a day leaves at most once.
 */
export async function runDispatch(ctx: EngineContext): Promise<DispatchResult> {
  const result: DispatchResult = { sent: 0, failed: 0, deferred: 0, held: 0, exited: 0 };
  const owner = `${ctx.options.instanceId}/${ctx.newId()}`;
  let plan: DayPlan | null = null;
  const loadPlan = async () => (plan ??= dayPlanOf(await ctx.storage.messages.list()));

  await recoverInterrupted(ctx, loadPlan);
  const referrers = await ctx.storage.targets.listDueReferrers(ctx.clock.now(), MAX_REFERRERS_PER_RUN);
  if (referrers.length === 0) return result;
  const dayPlan = await loadPlan();
  if (dayPlan.totalDays === 0) {
    // No active message at all (e.g. an admin rebuilding the set): hold rather than end every loop.
    ctx.logger.warn({ referrers: referrers.length }, "no active message: every due relance is held");
    return result;
  }

  await forEachWithConcurrency(referrers, ctx.options.maxConcurrentSenders, async (referrerUserId) => {
    try {
      await dispatchReferrer(ctx, referrerUserId, owner, dayPlan, result);
    } catch (error) {
      ctx.logger.error({ referrerUserId, err: String(error) }, "dispatch failed for referrer");
    }
  });
  ctx.logger.info({ ...result, referrers: referrers.length }, "dispatch run finished");
  return result;
}

async function dispatchReferrer(ctx: EngineContext, referrerUserId: string, owner: string, plan: DayPlan, result: DispatchResult): Promise<void> {
  const lease = `sender:${referrerUserId}`;
  const { instanceId, claimTtlMs } = ctx.options;
  // One process drives an account at a time: pacing and the session itself are per process.
  if (!(await ctx.storage.leases.acquire(lease, instanceId, ctx.clock.now(), claimTtlMs))) {
    ctx.logger.debug({ referrerUserId }, "sender driven by another process");
    return;
  }
  try {
    const config = await loadConfig(ctx, referrerUserId);
    if (!config.enabled || config.sendingPaused || config.disconnectedByReferrerAt !== null) {
      result.held += (await ctx.storage.targets.listDue(referrerUserId, ctx.clock.now(), ctx.options.dispatchPageSize)).length;
      // The referrer closed their session from another instance: stop driving it here too.
      if (config.disconnectedByReferrerAt !== null && ctx.transport.getState(referrerUserId).status === "connected") {
        await ctx.transport.disconnect(referrerUserId, { logout: false });
      }
      return;
    }
    if (!(await ctx.directory.hasActiveSubscription(referrerUserId))) {
      result.exited += await ctx.storage.targets.exitActiveOfReferrer(referrerUserId, "referrer_inactive", ctx.clock.now());
      return;
    }
    const link = await readyState(ctx, referrerUserId);
    if (link === null) {
      ctx.logger.debug({ referrerUserId }, "session driven by another process");
      return;
    }
    if (link.status !== "connected") {
      await holdSender(ctx, config, link, result);
      return;
    }
    if (config.whatsapp.status !== "connected") await applyLinkState(ctx, referrerUserId, link);
    const now = ctx.clock.now();
    const opensAt = nextAllowedInstant(now, config.timezone, config.sendWindow);
    if (opensAt > now) {
      // Outside the window: one batched write, and no directory call.
      result.deferred += await ctx.storage.targets.deferDue(referrerUserId, now, opensAt);
      return;
    }

    const [profile, referrals] = await Promise.all([
      ctx.directory.getReferrer(referrerUserId),
      ctx.directory.listReferrals(referrerUserId),
    ]);
    const run: SenderRun = {
      config,
      profile,
      referrals: new Map(referrals.map((r) => [r.userId, r])),
      owner,
      plan,
      result,
      deferUntil: null,
      unavailable: null,
      stopped: false,
      configReadAt: ctx.clock.now().getTime(),
    };
    await sendDueTargets(ctx, run, lease);
    if (run.unavailable) await holdSender(ctx, config, run.unavailable, result);
  } finally {
    await ctx.storage.leases.release(lease, instanceId);
  }
}

/** The session's state, or null when another process drives it. */
async function readyState(ctx: EngineContext, referrerUserId: string): Promise<LinkState | null> {
  try {
    return await ctx.transport.ensureReady(referrerUserId);
  } catch (error) {
    if (error instanceof SessionDrivenElsewhereError) return null;
    return { status: "failed", phone: null, reason: error instanceof Error ? error.message : String(error) };
  }
}

/** Sender down: hold everything (no attempt counted), record why, tell the referrer once. */
async function holdSender(ctx: EngineContext, config: ReferrerConfig, link: LinkState, result: DispatchResult): Promise<void> {
  const due = await ctx.storage.targets.listDue(config.referrerUserId, ctx.clock.now(), ctx.options.dispatchPageSize);
  result.held += due.length;
  const reason = link.reason ?? `WhatsApp ${link.status.replace("_", " ")}`;
  await notifySenderDown(ctx, config, link.status, reason, due.length);
  await applyLinkState(ctx, config.referrerUserId, link);
  ctx.logger.warn({ referrerUserId: config.referrerUserId, linkStatus: link.status, held: due.length }, "sender unavailable: targets held");
}

async function sendDueTargets(ctx: EngineContext, run: SenderRun, lease: string): Promise<void> {
  const seen = new Set<string>();
  for (;;) {
    const due = (await ctx.storage.targets.listDue(run.config.referrerUserId, ctx.clock.now(), ctx.options.dispatchPageSize)).filter(
      (target) => !seen.has(target.id),
    );
    if (due.length === 0) return;
    const blocked = await ctx.storage.doNotContact.filterListed(due.map((t) => t.contact.phone));
    // A target enrolled while its referral's exit was being recorded still never gets a message.
    const exitedUsers = await ctx.storage.exitedUsers.filterExited(due.map((t) => t.referralUserId));
    for (const target of due) {
      seen.add(target.id);
      if (run.unavailable || run.stopped) {
        run.result.held++;
        continue;
      }
      // A pause, a disconnect or a new window applies within seconds, not after a run that paced
      // sends can make last for minutes; without costing a read per target on fast runs.
      if (ctx.clock.now().getTime() - run.configReadAt >= ctx.options.configRefreshMs) {
        const config = await ctx.storage.configs.get(run.config.referrerUserId);
        run.configReadAt = ctx.clock.now().getTime();
        if (!config || !config.enabled || config.sendingPaused || config.disconnectedByReferrerAt !== null) {
          run.stopped = true;
          run.result.held++;
          continue;
        }
        run.config = config;
      }
      if (blocked.has(target.contact.phone)) {
        run.result.exited += await exitTargets(ctx, [target], "opted_out");
        continue;
      }
      if (exitedUsers.has(target.referralUserId)) {
        const record = await ctx.storage.exitedUsers.get(target.referralUserId);
        run.result.exited += await exitTargets(ctx, [target], record?.reason ?? "paid");
        continue;
      }
      await processTarget(ctx, run, target);
      if (run.deferUntil) {
        run.result.deferred += await ctx.storage.targets.deferDue(run.config.referrerUserId, ctx.clock.now(), run.deferUntil);
        return;
      }
      if (!(await ctx.storage.leases.acquire(lease, ctx.options.instanceId, ctx.clock.now(), ctx.options.claimTtlMs))) {
        ctx.logger.warn({ referrerUserId: run.config.referrerUserId }, "sender lease lost: another process drives it now");
        run.stopped = true;
      }
    }
  }
}

async function processTarget(ctx: EngineContext, run: SenderRun, target: Target): Promise<void> {
  const { config, result } = run;
  const now = ctx.clock.now();
  const allowedAt = nextAllowedInstant(now, config.timezone, config.sendWindow);
  if (allowedAt > now) {
    run.deferUntil = allowedAt;
    return;
  }
  const referral = run.referrals.get(target.referralUserId);
  if (referral?.paid) {
    result.exited += await exitTargets(ctx, [target], "paid");
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
  if (!(await checkNumber(ctx, run, claimed))) return;

  const counterKey = dailyCounterKey(now, config.timezone);
  if ((await ctx.storage.counters.tryIncrement(config.referrerUserId, counterKey, ctx.options.maxMessagesPerDay)) === null) {
    run.deferUntil = nextInstantAfterDailyLimit(now, config.timezone, config.sendWindow);
    await release(ctx, run, claimed, { nextMessageDue: run.deferUntil });
    result.deferred++;
    return;
  }
  const giveBackReservation = () => ctx.storage.counters.decrement(config.referrerUserId, counterKey);

  const contact = claimed.contact;
  const rendered = renderDayMessage(message, claimed.language, ctx.options.defaultLanguage, {
    name: contact.name,
    firstName: firstNameOf(contact.name),
    referrerName: run.profile?.name ?? "",
    day,
    totalDays: run.plan.totalDays,
    paymentLink: contact.paymentLink,
  });

  await waitForTurn(ctx, run, contact.phone);
  const sendAt = ctx.clock.now();
  const stillAllowed = nextAllowedInstant(sendAt, config.timezone, config.sendWindow);
  if (stillAllowed > sendAt) {
    await giveBackReservation();
    await release(ctx, run, claimed, { nextMessageDue: stillAllowed });
    result.deferred++;
    run.deferUntil = stillAllowed;
    return;
  }

  // The atomic re-check: from here on an exit can no longer slip in before the send.
  const sending = await ctx.storage.targets.updateIf(
    claimed.id,
    { status: "active", currentDay: day, claimedBy: { owner: run.owner, stage: "claimed" } },
    { claim: { ...claim, stage: "sending", at: sendAt, expiresAt: new Date(sendAt.getTime() + ctx.options.claimTtlMs) }, updatedAt: sendAt },
  );
  if (!sending) {
    await giveBackReservation();
    return;
  }

  let sent;
  try {
    sent = await ctx.inFlight.track(
      claimed.referralUserId,
      ctx.transport.send(
        config.referrerUserId,
        { to: contact.phone, text: rendered.text, media: rendered.media, language: rendered.language },
        { idempotencyKey: `${claimed.id}:${day}`, targetId: claimed.id, day },
      ),
    );
  } catch (error) {
    await giveBackReservation();
    if (error instanceof TransportUnavailableError) {
      await ctx.storage.targets.updateIf(claimed.id, { claimedBy: { owner: run.owner, stage: "sending" } }, { claim: null, updatedAt: ctx.clock.now() });
      run.unavailable = { status: error.linkStatus as LinkState["status"], phone: null, reason: error.message };
      result.held++;
      return;
    }
    await recordFailure(ctx, run, sending, error);
    return;
  }

  const sentAt = ctx.clock.now();
  ctx.pacer.sent(config.referrerUserId, sentAt);
  const delivery = {
    day,
    sentAt,
    status: "sent" as const,
    messageId: sent.messageId,
    mediaMessageIds: sent.mediaMessageIds,
    ...(sent.partialFailure ? { errorMessage: storableError(sent.partialFailure) } : {}),
  };
  if (sent.partialFailure) ctx.logger.warn({ targetId: claimed.id, day, reason: storableError(sent.partialFailure) }, "text sent, some media failed");
  const recorded = await ctx.storage.targets.updateIf(
    claimed.id,
    { status: "active", currentDay: day, claimedBy: { owner: run.owner, stage: "sending" } },
    { ...advanceChanges(sending, sentAt, run.plan.totalDays, sentAt, ctx.options.dayIntervalMs), lastSentDay: day, pushDelivery: delivery, updatedAt: sentAt },
  );
  if (!recorded) {
    // Exited by another process while the message was leaving: keep the history, change nothing else.
    await ctx.storage.targets.updateIf(claimed.id, { claimedBy: { owner: run.owner } }, { pushDelivery: delivery, claim: null, updatedAt: sentAt });
  }
  result.sent++;
  ctx.logger.info({ targetId: claimed.id, referrerUserId: config.referrerUserId, day }, "relance sent");
  // messagesSentToday changed: status subscribers (the SSE stream) hear it.
  if (ctx.events.hasListeners) await publishStatus(ctx, config);
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
async function checkNumber(ctx: EngineContext, run: SenderRun, target: Target): Promise<boolean> {
  if (target.lastSentDay !== null) return true;
  let onWhatsApp: boolean;
  try {
    onWhatsApp = await ctx.transport.isOnWhatsApp(run.config.referrerUserId, target.contact.phone);
  } catch (error) {
    if (error instanceof TransportUnavailableError) {
      await release(ctx, run, target, {});
      run.unavailable = { status: error.linkStatus as LinkState["status"], phone: null, reason: error.message };
      run.result.held++;
    } else {
      // Counted like a failed send, so a number that always fails to check cannot block the queue.
      await recordFailure(ctx, run, target, error, "claimed");
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
  return false;
}

async function waitForTurn(ctx: EngineContext, run: SenderRun, to: string): Promise<void> {
  const referrerUserId = run.config.referrerUserId;
  const typingMs = ctx.transport.capabilities.typing ? ctx.options.typingMs : 0;
  const slot = ctx.pacer.reserve(referrerUserId, new Date(ctx.clock.now().getTime() + typingMs));
  const wait = slot.getTime() - ctx.clock.now().getTime() - typingMs;
  if (wait > 0) await ctx.clock.sleep(wait);
  if (typingMs > 0) {
    try {
      await ctx.transport.sendTyping(referrerUserId, to);
    } catch (error) {
      ctx.logger.debug({ referrerUserId, err: String(error) }, "typing presence failed");
    }
    await ctx.clock.sleep(typingMs);
  }
}

async function recordFailure(ctx: EngineContext, run: SenderRun, target: Target, error: unknown, stage: TargetClaim["stage"] = "sending"): Promise<void> {
  const now = ctx.clock.now();
  const failedAttempts = target.failedAttempts + 1;
  const errorMessage = storableError(error instanceof Error ? error.message : String(error));
  const decision = decideRetry(failedAttempts, now, ctx.options.retryBackoffMs);
  const delivery = failedDelivery(target.currentDay, now, errorMessage);
  const changes =
    decision.kind === "retry"
      ? { failedAttempts, nextMessageDue: decision.at, claim: null, pushDelivery: delivery, updatedAt: now }
      : { ...exitChanges("send_failed", now), claim: null, failedAttempts, pushDelivery: delivery };
  const recorded = await ctx.storage.targets.updateIf(target.id, { status: "active", claimedBy: { owner: run.owner, stage } }, changes);
  if (!recorded) {
    await ctx.storage.targets.updateIf(target.id, { claimedBy: { owner: run.owner } }, { pushDelivery: delivery, claim: null, updatedAt: now });
  }
  run.result.failed++;
  if (decision.kind === "give_up") run.result.exited++;
  ctx.logger.warn({ targetId: target.id, day: target.currentDay, failedAttempts, giveUp: decision.kind === "give_up" }, "relance send failed");
}
