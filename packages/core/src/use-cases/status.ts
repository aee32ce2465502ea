import type { EngineContext } from "../engine/context.js";
import type { E164 } from "../model/phone.js";
import type { LinkStatus, OnReply, ReferrerConfig } from "../model/referrer-config.js";
import type { SendWindow } from "../model/send-window.js";
import { dailyCounterKey, effectiveDailyCap } from "../policies/daily-limit.js";
import { newChatCounterKey, newChatQuotaOf } from "../policies/new-chat-quota.js";
import { healthAdjustedCap, type SenderHealth } from "../policies/sender-health.js";
import type { SenderRestriction } from "../ports/transport.js";
import { loadConfig } from "./load-config.js";
import { assessHealth } from "./sender-health.js";

/** What a referrer sees of their relance set-up (the HTTP `Status`). */
export interface ReferrerStatus {
  status: LinkStatus;
  phone: E164 | null;
  enabled: boolean;
  enrollmentPaused: boolean;
  sendingPaused: boolean;
  messagesSentToday: number;
  /** Today's cap: lower during the ramp-up after a new link. */
  dailyLimit: number;
  timezone: string;
  sendWindow: SendWindow;
  /** What a reply (not a STOP) from a referral does to their sequence. */
  onReply: OnReply;
  /** Set while WhatsApp restricts the account: relances wait until it ends. */
  restriction: SenderRestriction | null;
  /** Why the link is not connected, as the transport last said (null when connected or unknown). */
  reason: string | null;
  /** How WhatsApp treats the account, judged from its own receipts and restrictions (see docs/account-safety.md). */
  health: SenderHealth;
  /** What remains of the account's quota of messages to people who never answered it, where WhatsApp reports one. */
  newChatQuota: { remaining: number; resetsAt: Date | null } | null;
  /** The local time at which this sender's day starts (its own offset in the send window). */
  dayStartsAt: string;
}

/**
 * `sentToday`: the day's count when the caller knows it (a dispatch run counting its own sends,
 * `{ day, count }` with the local day key it is for); read from the counter otherwise, or when
 * that day is over.
 */
export async function statusOf(ctx: EngineContext, config: ReferrerConfig, known?: { day: string; count: number }): Promise<ReferrerStatus> {
  const now = ctx.clock.now();
  const day = dailyCounterKey(now, config.timezone);
  const sentToday = known && known.day === day ? known.count : await ctx.storage.counters.get(config.referrerUserId, day);
  const restriction = config.restriction && (config.restriction.until === null || config.restriction.until > now) ? config.restriction : null;
  const health = await assessHealth(ctx, config, now);
  const quota = newChatQuotaOf(ctx, config.referrerUserId, now);
  const newChatsSent = quota ? await ctx.storage.counters.get(config.referrerUserId, newChatCounterKey(quota)) : 0;
  return {
    status: config.whatsapp.status,
    phone: config.whatsapp.phone,
    enabled: config.enabled,
    enrollmentPaused: config.enrollmentPaused,
    sendingPaused: config.sendingPaused,
    messagesSentToday: sentToday,
    dailyLimit: healthAdjustedCap(ctx.options, effectiveDailyCap(ctx.options, config.whatsapp.linkedAt, now, config.timezone), health.state),
    timezone: config.timezone,
    sendWindow: { ...config.sendWindow },
    onReply: config.onReply ?? "stop",
    restriction: restriction ? { reason: restriction.reason, until: restriction.until } : null,
    reason: config.whatsapp.status === "connected" ? null : config.whatsapp.lastError,
    health,
    newChatQuota: quota ? { remaining: Math.max(0, quota.remaining - newChatsSent), resetsAt: quota.resetsAt } : null,
    dayStartsAt: ctx.pacer.windowOf(config.referrerUserId, config.sendWindow).start,
  };
}

export async function getStatus(ctx: EngineContext, referrerUserId: string): Promise<ReferrerStatus> {
  return statusOf(ctx, await loadConfig(ctx, referrerUserId));
}

export async function publishStatus(ctx: EngineContext, config: ReferrerConfig, sentToday?: { day: string; count: number }): Promise<ReferrerStatus> {
  const status = await statusOf(ctx, config, sentToday);
  ctx.events.emit({ type: "status", referrerUserId: config.referrerUserId, status });
  return status;
}
