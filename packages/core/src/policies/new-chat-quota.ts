import type { EngineContext } from "../engine/context.js";
import type { NewChatQuota } from "../ports/transport.js";

/**
 * The account's new-chat quota (messages to people who never answered it) as the transport last
 * heard it from WhatsApp, or null when none applies (not reported, or its cycle ended).
 */
export function newChatQuotaOf(ctx: EngineContext, referrerUserId: string, now: Date): NewChatQuota | null {
  const quota = ctx.transport.newChatQuota?.(referrerUserId) ?? null;
  if (!quota || (quota.resetsAt && quota.resetsAt <= now)) return null;
  return quota;
}

/**
 * The counter of first contacts sent since a report: one per report (its instant), capped at what
 * the report said remained. WhatsApp's next report counts those sends itself, so it starts a new
 * counter with its own remaining; the counters port keeps this exact across processes.
 */
export function newChatCounterKey(quota: NewChatQuota): string {
  return `new-chat:${quota.reportedAt.toISOString()}`;
}
