import type { EngineContext } from "../engine/context.js";
import { dailyCounterKey, effectiveDailyCap, nextInstantAfterDailyLimit } from "../policies/daily-limit.js";
import { healthAdjustedCap } from "../policies/sender-health.js";
import { listedNumbers } from "../use-cases/do-not-contact.js";
import { exitTargets } from "../use-cases/target-transitions.js";
import { processTarget } from "./per-target.js";
import type { SenderRun } from "./sender-run.js";

/**
 * One sender's due targets, page by page, while its run state is `sending`. Targets met once the
 * state changed are held (counted here), except under a restriction, which counts its own.
 */
export async function sendDueTargets(ctx: EngineContext, run: SenderRun, lease: string): Promise<void> {
  const seen = new Set<string>();
  const referrerUserId = run.config.referrerUserId;
  for (;;) {
    // No more targets per page than the daily limit leaves: the rest would be read for nothing.
    const now = ctx.clock.now();
    const day = dailyCounterKey(now, run.config.timezone);
    const sentToday = await ctx.storage.counters.get(referrerUserId, day);
    run.sentToday = { day, count: sentToday };
    const left = healthAdjustedCap(ctx.options, effectiveDailyCap(ctx.options, run.config.whatsapp.linkedAt, now, run.config.timezone), run.health.state) - sentToday;
    if (left <= 0) {
      const until = nextInstantAfterDailyLimit(now, run.config.timezone, ctx.pacer.windowOf(referrerUserId, run.config.sendWindow));
      run.state = { kind: "deferred", until };
      const counted = await ctx.storage.targets.deferDue(referrerUserId, now, until);
      run.counts.deferred += counted;
      return;
    }
    // One target more than the page: whether anything is due beyond it, so a run whose due
    // targets fit in one page ends without reading the counter and the due list again.
    const limit = Math.min(ctx.options.dispatchPageSize, left);
    const listed = await ctx.storage.targets.listDue(referrerUserId, now, limit + 1);
    const more = listed.length > limit;
    const due = listed.slice(0, limit).filter((target) => !seen.has(target.id));
    if (due.length === 0) return;
    // Only the referrals of the targets about to be sent: the cost follows the work due.
    const referrals = await ctx.directory.getReferrals(referrerUserId, due.map((t) => t.referralUserId));
    run.referrals = new Map(referrals.map((r) => [r.userId, r]));
    const blocked = await listedNumbers(ctx, due.map((t) => t.contact.phone));
    // A target enrolled while its referral's exit was being recorded still never gets a message.
    const exitedUsers = await ctx.storage.exitedUsers.filterExited(due.map((t) => t.referralUserId));
    for (const target of due) {
      seen.add(target.id);
      const state = run.state;
      // Held by a restriction: counted once, by holdRestricted, when the run ends.
      if (state.kind === "held" && state.why === "restricted") continue;
      if (state.kind !== "sending") {
        run.counts.held++;
        continue;
      }
      // A pause, a disconnect or a new window applies within seconds, not after a run that paced
      // sends can make last for minutes; without costing a read per target on fast runs.
      // A version check: the config is read again only when it changed.
      if (ctx.clock.now().getTime() - run.configReadAt >= ctx.options.configRefreshMs) {
        const latest = await ctx.storage.configs.getIfChanged(referrerUserId, run.config.updatedAt);
        run.configReadAt = ctx.clock.now().getTime();
        const config = latest === "unchanged" ? run.config : latest;
        if (!config || !config.enabled || config.sendingPaused || config.disconnectedByReferrerAt !== null) {
          run.state = { kind: "stopped", why: "paused" };
          run.counts.held++;
          continue;
        }
        run.config = config;
      }
      if (blocked.has(target.contact.phone)) {
        const counted = await exitTargets(ctx, [target], "opted_out");
        run.counts.exited += counted;
        continue;
      }
      if (exitedUsers.has(target.referralUserId)) {
        const record = await ctx.storage.exitedUsers.get(target.referralUserId);
        const counted = await exitTargets(ctx, [target], record?.reason ?? "paid");
        run.counts.exited += counted;
        continue;
      }
      await processTarget(ctx, run, target);
      const after = run.state;
      if (after.kind === "deferred") {
        const counted = await ctx.storage.targets.deferDue(referrerUserId, ctx.clock.now(), after.until);
        run.counts.deferred += counted;
        return;
      }
      // Renewed once past half its TTL, not after every send: a round trip per message saved,
      // and at least half the TTL left whenever a target starts.
      const renewAt = ctx.clock.now();
      if (renewAt.getTime() - run.leaseRenewedAt >= ctx.options.claimTtlMs / 2) {
        if (!(await ctx.storage.leases.acquire(lease, ctx.options.instanceId, renewAt, ctx.options.claimTtlMs))) {
          ctx.logger.warn({ referrerUserId }, "sender lease lost: another process drives it now");
          if (run.state.kind === "sending") run.state = { kind: "stopped", why: "lease_lost" };
        }
        run.leaseRenewedAt = renewAt.getTime();
      }
    }
    // Nothing was due beyond this page when it was read: what fell due since waits for the next run.
    if (!more) return;
  }
}
