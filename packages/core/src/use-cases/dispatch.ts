import { forEachWithConcurrency, senderConcurrency } from "../engine/concurrency.js";
import type { EngineContext } from "../engine/context.js";
import { SessionCapacityError, SessionDrivenElsewhereError, StorageError } from "../errors.js";
import { dailyCounterKey, effectiveDailyCap, nextInstantAfterDailyLimit } from "../policies/daily-limit.js";
import { nextAllowedInstant } from "../policies/send-window.js";
import type { LinkState } from "../ports/transport.js";
import { dayPlanOf, type DayPlan } from "./day-plan.js";
import { listedNumbers } from "./do-not-contact.js";
import type { DispatchResult, SenderRun } from "./dispatch-run.js";
import { processTarget } from "./dispatch-target.js";
import { recoverInterrupted } from "./interrupted-sends.js";
import { endBatch } from "./send-turn.js";
import { activeRestriction, clearRestriction, holdRestricted, holdSender, deferHeld } from "./sender-holds.js";
import { applyLinkState, loadConfig } from "./status.js";
import { exitTargets } from "./target-transitions.js";

export type { DispatchResult } from "./dispatch-run.js";

/**
 * Sends what is due. Per sender: lease → session ready, its pending replies handled → holds
 * (paused, down, restricted) → window. Per target (see `processTarget`): claim (atomic) → checks
 * → first-contact and daily reservations (atomic) → pacing and presence → atomic re-check to
 * `sending` → transport → conditional record. Whatever happens between two steps (an exit,
 * another process, a crash), a day leaves at most once.
 */
export async function runDispatch(ctx: EngineContext): Promise<DispatchResult> {
  const result: DispatchResult = { sent: 0, failed: 0, deferred: 0, held: 0, exited: 0 };
  const owner = `${ctx.options.instanceId}/${ctx.newId()}`;
  let plan: DayPlan | null = null;
  const loadPlan = async () => (plan ??= dayPlanOf(await ctx.storage.messages.list()));
  // The first storage error stops the run: no new sender starts against a storage that is away.
  let abortedBy: StorageError | null = null;

  try {
    // What this process owes the storage from an earlier outage goes before any recovery, so its
    // own unsent days are never taken for crashed sends.
    if (ctx.unsettled.size > 0) await ctx.unsettled.settle(ctx.logger);
    await recoverInterrupted(ctx, loadPlan);
    const referrers = await ctx.storage.targets.listDueReferrers(ctx.clock.now(), ctx.options.maxReferrersPerRun);
    if (referrers.length === 0) return result;
    const dayPlan = await loadPlan();
    if (dayPlan.totalDays === 0) {
      // No active message at all (e.g. an admin rebuilding the set): hold rather than end every loop.
      ctx.logger.warn({ referrers: referrers.length }, "no active message: every due relance is held");
      return result;
    }

    const limit = senderConcurrency(ctx.options.maxConcurrentSenders, ctx.transport.capabilities.maxSessions);
    await forEachWithConcurrency(referrers, limit, async (referrerUserId) => {
      if (abortedBy) return;
      try {
        await dispatchReferrer(ctx, referrerUserId, owner, dayPlan, result);
      } catch (error) {
        ctx.logger.error({ referrerUserId, err: String(error) }, "dispatch failed for referrer");
        if (error instanceof StorageError) abortedBy ??= error;
      }
    });
    ctx.logger.info({ ...result, referrers: referrers.length }, "dispatch run finished");
  } catch (error) {
    if (!(error instanceof StorageError)) throw error;
    ctx.logger.error({ err: String(error) }, "dispatch run could not read the storage");
    abortedBy ??= error;
  }
  if (abortedBy) {
    const reason = (abortedBy as StorageError).message;
    ctx.logger.error({ ...result, reason, owed: ctx.unsettled.size }, "dispatch run aborted: storage unavailable");
    return { ...result, aborted: true, abortReason: reason };
  }
  return result;
}

async function dispatchReferrer(ctx: EngineContext, referrerUserId: string, owner: string, plan: DayPlan, result: DispatchResult): Promise<void> {
  const lease = `sender:${referrerUserId}`;
  const { instanceId, claimTtlMs } = ctx.options;
  // One process drives an account at a time: pacing and the session itself are per process.
  const leaseTakenAt = ctx.clock.now();
  if (!(await ctx.storage.leases.acquire(lease, instanceId, leaseTakenAt, claimTtlMs))) {
    ctx.logger.debug({ referrerUserId }, "sender driven by another process");
    return;
  }
  let failed = false;
  try {
    let config = await loadConfig(ctx, referrerUserId);
    if (!config.enabled || config.sendingPaused || config.disconnectedByReferrerAt !== null) {
      const counted = await deferHeld(ctx, referrerUserId);
      result.held += counted;
      // The referrer closed their session from another instance: stop driving it here too.
      if (config.disconnectedByReferrerAt !== null && ctx.transport.getState(referrerUserId).status === "connected") {
        await ctx.transport.disconnect(referrerUserId, { logout: false });
      }
      return;
    }
    if (!(await ctx.directory.hasActiveSubscription(referrerUserId))) {
      const counted = await ctx.storage.targets.exitActiveOfReferrer(referrerUserId, "referrer_inactive", ctx.clock.now());
      result.exited += counted;
      return;
    }
    const link = await readyState(ctx, referrerUserId);
    if (link === null) {
      ctx.logger.debug({ referrerUserId }, "session driven by another process");
      return;
    }
    // Replies that came up with the session (its offline backlog) are handled first: a STOP wins.
    await ctx.pendingInbound.settled(referrerUserId);
    if (link.status !== "connected") {
      await holdSender(ctx, config, link, result);
      return;
    }
    if (config.whatsapp.status !== "connected") config = await applyLinkState(ctx, referrerUserId, link);
    const restriction = activeRestriction(config, link, ctx.clock.now());
    if (restriction) {
      await holdRestricted(ctx, config, restriction, result);
      return;
    }
    // Ended (its end passed): forget it. One without a known end is forgotten once a send goes through.
    if (config.restriction?.until) config = await clearRestriction(ctx, config);
    const now = ctx.clock.now();
    const opensAt = nextAllowedInstant(now, config.timezone, config.sendWindow);
    if (opensAt > now) {
      // Outside the window: one batched write, and no directory call.
      const counted = await ctx.storage.targets.deferDue(referrerUserId, now, opensAt);
      result.deferred += counted;
      return;
    }

    const profile = await ctx.directory.getReferrer(referrerUserId);
    const run: SenderRun = {
      config,
      profile,
      referrals: new Map(),
      owner,
      plan,
      result,
      deferUntil: null,
      unavailable: null,
      restricted: null,
      stopped: false,
      configReadAt: ctx.clock.now().getTime(),
      batch: { referrerUserId, online: false },
      leaseRenewedAt: leaseTakenAt.getTime(),
      sent: 0,
    };
    try {
      await sendDueTargets(ctx, run, lease);
    } finally {
      await endBatch(ctx, run.batch);
    }
    if (run.unavailable) await holdSender(ctx, run.config, run.unavailable, result);
    else if (run.restricted) await holdRestricted(ctx, run.config, run.restricted, result);
    else if (run.sent > 0 && run.config.restriction) await clearRestriction(ctx, run.config);
  } catch (error) {
    failed = true;
    throw error;
  } finally {
    try {
      await ctx.storage.leases.release(lease, instanceId);
    } catch (releaseError) {
      // The run's own error is the cause and is what the caller logs; the lease expires by itself.
      if (!failed) throw releaseError;
      ctx.logger.warn({ referrerUserId, err: String(releaseError) }, "sender lease not released (it expires by itself)");
    }
  }
}

/** The session's state, or null when another process drives it. */
async function readyState(ctx: EngineContext, referrerUserId: string): Promise<LinkState | null> {
  try {
    return await ctx.transport.ensureReady(referrerUserId);
  } catch (error) {
    // Driven by another process, or no room in this one for now: a later run sends, quietly.
    if (error instanceof SessionDrivenElsewhereError || error instanceof SessionCapacityError) return null;
    return { status: "failed", phone: null, reason: error instanceof Error ? error.message : String(error) };
  }
}

async function sendDueTargets(ctx: EngineContext, run: SenderRun, lease: string): Promise<void> {
  const seen = new Set<string>();
  for (;;) {
    // No more targets per page than the daily limit leaves: the rest would be read for nothing.
    const now = ctx.clock.now();
    const sentToday = await ctx.storage.counters.get(run.config.referrerUserId, dailyCounterKey(now, run.config.timezone));
    const left = effectiveDailyCap(ctx.options, run.config.whatsapp.linkedAt, now, run.config.timezone) - sentToday;
    if (left <= 0) {
      run.deferUntil = nextInstantAfterDailyLimit(now, run.config.timezone, run.config.sendWindow);
      const counted = await ctx.storage.targets.deferDue(run.config.referrerUserId, now, run.deferUntil);
      run.result.deferred += counted;
      return;
    }
    const due = (await ctx.storage.targets.listDue(run.config.referrerUserId, now, Math.min(ctx.options.dispatchPageSize, left))).filter(
      (target) => !seen.has(target.id),
    );
    if (due.length === 0) return;
    // Only the referrals of the targets about to be sent: the cost follows the work due.
    const referrals = await ctx.directory.getReferrals(run.config.referrerUserId, due.map((t) => t.referralUserId));
    run.referrals = new Map(referrals.map((r) => [r.userId, r]));
    const blocked = await listedNumbers(ctx, due.map((t) => t.contact.phone));
    // A target enrolled while its referral's exit was being recorded still never gets a message.
    const exitedUsers = await ctx.storage.exitedUsers.filterExited(due.map((t) => t.referralUserId));
    for (const target of due) {
      seen.add(target.id);
      // Held by a restriction: counted once, by holdRestricted, when the run ends.
      if (run.restricted) continue;
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
        const counted = await exitTargets(ctx, [target], "opted_out");
        run.result.exited += counted;
        continue;
      }
      if (exitedUsers.has(target.referralUserId)) {
        const record = await ctx.storage.exitedUsers.get(target.referralUserId);
        const counted = await exitTargets(ctx, [target], record?.reason ?? "paid");
        run.result.exited += counted;
        continue;
      }
      await processTarget(ctx, run, target);
      if (run.deferUntil) {
        const counted = await ctx.storage.targets.deferDue(run.config.referrerUserId, ctx.clock.now(), run.deferUntil);
        run.result.deferred += counted;
        return;
      }
      // Renewed once past half its TTL, not after every send: a round trip per message saved,
      // and at least half the TTL left whenever a target starts.
      const renewAt = ctx.clock.now();
      if (renewAt.getTime() - run.leaseRenewedAt >= ctx.options.claimTtlMs / 2) {
        if (!(await ctx.storage.leases.acquire(lease, ctx.options.instanceId, renewAt, ctx.options.claimTtlMs))) {
          ctx.logger.warn({ referrerUserId: run.config.referrerUserId }, "sender lease lost: another process drives it now");
          run.stopped = true;
        }
        run.leaseRenewedAt = renewAt.getTime();
      }
    }
  }
}
