import { forEachWithConcurrency, senderConcurrency } from "../engine/concurrency.js";
import type { EngineContext } from "../engine/context.js";
import { SessionDrivenElsewhereError } from "../errors.js";

export interface ListenResult {
  /** Sessions brought up (or found up) and drained. */
  ready: number;
  /** Referrers left alone: closed by the referrer, never linked, or driven by another process. */
  skipped: number;
  failed: number;
}

const MAX_REFERRERS_PER_RUN = 10_000;
/** Every active target is due before this: `listDueReferrers` then lists all referrers with one. */
const FAR_FUTURE = new Date("9999-12-31T00:00:00.000Z");

/**
 * A reply is an opt-out even when nothing is due: the sessions of every referrer with active
 * targets are brought up on a schedule, so that what arrived meanwhile (a STOP above all) is
 * read and handled. Held referrers (disabled, paused) are included; one who closed their
 * session themselves is not reopened.
 */
export async function runListen(ctx: EngineContext): Promise<ListenResult> {
  const result: ListenResult = { ready: 0, skipped: 0, failed: 0 };
  const referrers = await ctx.storage.targets.listDueReferrers(FAR_FUTURE, MAX_REFERRERS_PER_RUN);
  if (referrers.length === 0) return result;
  const configs = new Map((await ctx.storage.configs.getMany(referrers)).map((c) => [c.referrerUserId, c]));
  const limit = senderConcurrency(ctx.options.maxConcurrentSenders, ctx.transport.capabilities.maxSessions);
  await forEachWithConcurrency(referrers, limit, async (referrerUserId) => {
    const config = configs.get(referrerUserId);
    if (!config || config.disconnectedByReferrerAt !== null || config.whatsapp.linkedAt === null || config.whatsapp.status === "logged_out") {
      result.skipped++;
      return;
    }
    try {
      const state = await ctx.transport.ensureReady(referrerUserId);
      await ctx.pendingInbound.settled(referrerUserId);
      if (state.status === "connected") result.ready++;
      else result.failed++;
    } catch (error) {
      if (error instanceof SessionDrivenElsewhereError) {
        result.skipped++;
        return;
      }
      result.failed++;
      ctx.logger.warn({ referrerUserId, err: String(error) }, "listening: session could not be brought up");
    }
  });
  ctx.logger.debug({ ...result, referrers: referrers.length }, "listening run finished");
  return result;
}
