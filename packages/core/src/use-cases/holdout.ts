import type { EngineContext } from "../engine/context.js";

/** Completions per dispatch run: the rest waits for the next run (every minute by default). */
const HOLDOUT_COMPLETIONS_PER_RUN = 1_000;

/**
 * Held-out targets whose sequence would have ended leave the loop `completed_7_days`, as a
 * treated one does after its last day. Part of every dispatch run; one storage call when none is
 * due. Never throws: a failure is logged and the next run completes them.
 */
export async function completeEndedHoldouts(ctx: EngineContext): Promise<number> {
  try {
    const completed = await ctx.storage.targets.completeHoldouts(ctx.clock.now(), HOLDOUT_COMPLETIONS_PER_RUN);
    if (completed > 0) ctx.logger.info({ completed }, "held-out targets reached the end of their sequence");
    return completed;
  } catch (error) {
    ctx.logger.warn({ err: String(error) }, "completing held-out targets failed; the next run retries");
    return 0;
  }
}
