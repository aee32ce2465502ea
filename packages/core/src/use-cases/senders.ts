import type { EngineContext } from "../engine/context.js";
import { statusOf, type ReferrerStatus } from "./status.js";

/** One linked sender as the admin console lists it. */
export interface SenderOverview extends ReferrerStatus {
  referrerUserId: string;
}

const SEVERITY = { at_risk: 0, degraded: 1, good: 2 } as const;

/**
 * The linked senders (enabled, WhatsApp linked) with their status and health, those at risk
 * first, then degraded: what an admin watches. One bounded health read per sender.
 */
export async function listSenders(ctx: EngineContext, limit: number): Promise<SenderOverview[]> {
  const configs = await ctx.storage.configs.listEnrollable();
  const senders: SenderOverview[] = [];
  for (const config of configs) senders.push({ referrerUserId: config.referrerUserId, ...(await statusOf(ctx, config)) });
  return senders
    .sort((a, b) => SEVERITY[a.health.state] - SEVERITY[b.health.state] || (a.referrerUserId < b.referrerUserId ? -1 : 1))
    .slice(0, limit);
}
