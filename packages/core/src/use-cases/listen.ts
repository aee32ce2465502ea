import { forEachWithConcurrency, senderConcurrency } from "../engine/concurrency.js";
import type { EngineContext } from "../engine/context.js";
import { SessionCapacityError, SessionDrivenElsewhereError } from "../errors.js";

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
  const listed = await ctx.storage.targets.listDueReferrers(FAR_FUTURE, MAX_REFERRERS_PER_RUN);
  if (listed.length === 0) return result;
  // Those read longest ago (or never, by this process) first: when the transport has no room for
  // every session in one run, runs take turns instead of reading the same referrers each time.
  const lastRead = lastReadOf(ctx);
  for (const referrerUserId of lastRead.keys()) if (!listed.includes(referrerUserId)) lastRead.delete(referrerUserId);
  const referrers = [...listed].sort((a, b) => (lastRead.get(a) ?? -1) - (lastRead.get(b) ?? -1));
  const configs = new Map((await ctx.storage.configs.getMany(referrers)).map((c) => [c.referrerUserId, c]));
  const limit = senderConcurrency(ctx.options.maxConcurrentSenders, ctx.transport.capabilities.maxSessions);
  await forEachWithConcurrency(referrers, limit, async (referrerUserId) => {
    const config = configs.get(referrerUserId);
    if (!config || config.disconnectedByReferrerAt !== null || config.whatsapp.linkedAt === null || config.whatsapp.status === "logged_out") {
      result.skipped++;
      return;
    }
    try {
      const state = await ctx.transport.ensureReady(referrerUserId, { purpose: "listen" });
      await ctx.pendingInbound.settled(referrerUserId);
      if (state.status === "connected") {
        result.ready++;
        lastRead.set(referrerUserId, ctx.clock.now().getTime());
      } else {
        result.failed++;
      }
    } catch (error) {
      // No room or budget for one more session now (whatsapp-web.js): not an outage, its turn comes.
      if (error instanceof SessionDrivenElsewhereError || error instanceof SessionCapacityError) {
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

/** When this process last had each referrer's session up for listening (kept per engine). */
const lastReads = new WeakMap<EngineContext, Map<string, number>>();

function lastReadOf(ctx: EngineContext): Map<string, number> {
  let map = lastReads.get(ctx);
  if (!map) lastReads.set(ctx, (map = new Map()));
  return map;
}
