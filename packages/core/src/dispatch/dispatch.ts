import { forEachWithConcurrency, senderConcurrency } from "../engine/concurrency.js";
import type { EngineContext } from "../engine/context.js";
import { SessionCapacityError, SessionDrivenElsewhereError, StorageError } from "../errors.js";
import { nextAllowedInstant } from "../policies/send-window.js";
import type { LinkState } from "../ports/transport.js";
import { endBatch } from "../use-cases/send-turn.js";
import { healthGate } from "../use-cases/sender-health.js";
import { activeRestriction, clearRestriction, holdRestricted, holdSender, deferHeld } from "../use-cases/sender-holds.js";
import { applyLinkState } from "../use-cases/link-state.js";
import { loadConfig } from "../use-cases/load-config.js";
import { ClaimMachine } from "./claim-machine.js";
import { dayPlanOf, type DayPlan } from "./day-plan.js";
import { sendDueTargets } from "./due-pages.js";
import { recoverInterrupted } from "./interrupted.js";
import { mergeCounts, noCounts, type DispatchCounts, type DispatchResult, type SenderRun } from "./sender-run.js";

export type { DispatchResult } from "./sender-run.js";

export interface DispatchHooks {
  /**
   * Called once the run has settled what was owed, recovered crashed sends and listed the due
   * senders: from then on it only drives senders, and another run may start alongside it.
   */
  onListed?: () => void;
}

/**
 * Sends what is due. Per sender: lease → session ready, its pending replies handled → holds
 * (paused, down, restricted) → window. Per target (see `processTarget`): claim (atomic) → checks
 * → first-contact and daily reservations (atomic) → pacing and presence → atomic re-check to
 * `sending` → transport → conditional record. Whatever happens between two steps (an exit,
 * another process, a crash), a day leaves at most once.
 */
export async function runDispatch(ctx: EngineContext, hooks: DispatchHooks = {}): Promise<DispatchResult> {
  const result: DispatchResult = noCounts();
  const machine = new ClaimMachine(ctx, `${ctx.options.instanceId}/${ctx.newId()}`);
  let plan: DayPlan | null = null;
  const loadPlan = async () => (plan ??= dayPlanOf(await ctx.storage.messages.list()));
  // The first storage error stops the run: no new sender starts against a storage that is away.
  let abortedBy: StorageError | null = null;

  try {
    // What this process owes the storage from an earlier outage goes before any recovery, so its
    // own unsent days are never taken for crashed sends.
    if (ctx.unsettled.size > 0) await ctx.unsettled.settle(ctx.logger);
    await recoverInterrupted(ctx, machine, loadPlan);
    const referrers = await ctx.storage.targets.listDueReferrers(ctx.clock.now(), ctx.options.maxReferrersPerRun);
    hooks.onListed?.();
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
      const counts = noCounts();
      try {
        // A sender an earlier run of this process still paces is that run's: skipped here.
        await ctx.drives.drive(referrerUserId, () => dispatchReferrer(ctx, referrerUserId, machine, dayPlan, counts));
      } catch (error) {
        ctx.logger.error({ referrerUserId, err: String(error) }, "dispatch failed for referrer");
        if (error instanceof StorageError) abortedBy ??= error;
      } finally {
        mergeCounts(result, counts);
      }
    });
    ctx.logger.debug({ ...result, referrers: referrers.length }, "dispatch run finished");
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

async function dispatchReferrer(ctx: EngineContext, referrerUserId: string, machine: ClaimMachine, plan: DayPlan, counts: DispatchCounts): Promise<void> {
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
      counts.held += counted;
      // The referrer closed their session from another instance: stop driving it here too.
      if (config.disconnectedByReferrerAt !== null && ctx.transport.getState(referrerUserId).status === "connected") {
        await ctx.transport.disconnect(referrerUserId, { logout: false });
      }
      return;
    }
    // One directory read for the subscription and the profile the messages are signed with.
    const referrer = await ctx.directory.getReferrerStatus(referrerUserId);
    if (!referrer.active) {
      const counted = await ctx.storage.targets.exitActiveOfReferrer(referrerUserId, "referrer_inactive", ctx.clock.now());
      counts.exited += counted;
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
      await holdSender(ctx, config, link, counts);
      return;
    }
    if (config.whatsapp.status !== "connected") config = await applyLinkState(ctx, referrerUserId, link);
    const restriction = activeRestriction(config, link, ctx.clock.now());
    if (restriction) {
      await holdRestricted(ctx, config, restriction, counts);
      return;
    }
    // Ended (its end passed): forget it. One without a known end is forgotten once a send goes through.
    if (config.restriction?.until) config = await clearRestriction(ctx, config);
    const now = ctx.clock.now();
    const opensAt = nextAllowedInstant(now, config.timezone, ctx.pacer.windowOf(referrerUserId, config.sendWindow));
    if (opensAt > now) {
      // Outside the window: one batched write, and no directory call.
      const counted = await ctx.storage.targets.deferDue(referrerUserId, now, opensAt);
      counts.deferred += counted;
      return;
    }

    // The account's own receipts: at risk, it is held (told once) until they recover or a cool-down ends.
    const gate = await healthGate(ctx, config, counts);
    if (!gate) return;
    config = gate.config;

    const run: SenderRun = {
      config,
      health: gate.health,
      profile: referrer.profile,
      referrals: new Map(),
      machine,
      plan,
      state: { kind: "sending" },
      counts,
      configReadAt: ctx.clock.now().getTime(),
      batch: { referrerUserId, online: false },
      leaseRenewedAt: leaseTakenAt.getTime(),
      sentToday: null,
      newChatsSent: null,
    };
    try {
      await sendDueTargets(ctx, run, lease);
    } finally {
      await endBatch(ctx, run.batch);
    }
    const state = run.state;
    if (state.kind === "held" && state.why === "unavailable") await holdSender(ctx, run.config, state.link, counts);
    else if (state.kind === "held" && state.why === "restricted") await holdRestricted(ctx, run.config, state.restriction, counts);
    else if (counts.sent > 0 && run.config.restriction) await clearRestriction(ctx, run.config);
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
