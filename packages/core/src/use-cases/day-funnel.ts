import type { EngineContext } from "../engine/context.js";
import type { Target } from "../model/target.js";

/** How many targets received each day's message (a day counts once per target, failures not). */
export interface DayFunnel {
  enrolled: number;
  sentByDay: Record<string, number>;
}

const PAGE = 500;

function countDays(funnel: DayFunnel, target: Target): void {
  funnel.enrolled++;
  const days = new Set(target.messagesDelivered.filter((d) => d.status !== "failed").map((d) => d.day));
  for (const day of days) funnel.sentByDay[String(day)] = (funnel.sentByDay[String(day)] ?? 0) + 1;
}

/**
 * The admin console's funnel (enrolled → day 1 … day N sent), for every referrer or one. The
 * stats port has no per-day counts yet, so this pages through the targets: linear in their
 * number, read only when an admin opens the console. A per-day count in `TargetRepository.stats`
 * would replace it.
 */
export async function dayFunnel(ctx: EngineContext, filter: { referrerUserId?: string }): Promise<DayFunnel> {
  const funnel: DayFunnel = { enrolled: 0, sentByDay: {} };
  let after: string | null = null;
  do {
    const page = await ctx.storage.targets.list(filter.referrerUserId === undefined ? {} : { referrerUserId: filter.referrerUserId }, { limit: PAGE, after });
    for (const target of page.items) countDays(funnel, target);
    after = page.nextCursor;
  } while (after);
  return funnel;
}
