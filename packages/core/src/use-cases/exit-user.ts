import type { EngineContext } from "../engine/context.js";
import { ValidationError } from "../errors.js";
import type { ExitReason } from "../model/target.js";
import { exitTargets } from "./target-transitions.js";

const POLL_MS = 200;

/**
 * Takes a referral out of every loop (the platform calls it on payment), for good: the exit is
 * recorded, so later enrollments skip them too. Idempotent. When it returns, no message can
 * reach that person any more: sends of this process already inside
 * the transport call are awaited, and sends of other processes are waited for (bounded).
 */
export async function exitUser(ctx: EngineContext, userId: string, reason: ExitReason = "paid"): Promise<{ exited: number }> {
  if (typeof userId !== "string" || userId.length === 0) throw new ValidationError("userId is required", [{ path: "userId", message: "required" }]);
  // Recorded first: a referral that pays before being enrolled (or while an enrollment run is
  // between reading the directory and inserting) is never enrolled, by any referrer.
  await ctx.storage.exitedUsers.record({ userId, reason, exitedAt: ctx.clock.now() });
  const active = await ctx.storage.targets.listActiveByReferral(userId);
  const exited = await exitTargets(ctx, active, reason);
  await ctx.inFlight.settled(userId);
  await waitForOtherProcesses(ctx, active.map((t) => t.id));
  return { exited };
}

async function waitForOtherProcesses(ctx: EngineContext, targetIds: readonly string[]): Promise<void> {
  const deadline = ctx.clock.now().getTime() + ctx.options.exitWaitMs;
  let pending = [...targetIds];
  while (pending.length > 0) {
    const now = ctx.clock.now();
    const targets = await Promise.all(pending.map((id) => ctx.storage.targets.get(id)));
    pending = targets
      .filter((t) => t?.claim?.stage === "sending" && t.claim.expiresAt > now)
      .map((t) => t!.id);
    if (pending.length === 0) return;
    if (now.getTime() >= deadline) {
      ctx.logger.warn({ targetIds: pending }, "exit returned while another process was still sending");
      return;
    }
    await ctx.clock.sleep(POLL_MS);
  }
}
