import type { EngineContext } from "../engine/context.js";
import type { E164 } from "../model/phone.js";
import type { LinkStatus, OnReply, ReferrerConfig } from "../model/referrer-config.js";
import type { SendWindow } from "../model/send-window.js";
import { dailyCounterKey, effectiveDailyCap } from "../policies/daily-limit.js";
import { newChatCounterKey, newChatQuotaOf } from "../policies/new-chat-quota.js";
import { healthAdjustedCap, type SenderHealth } from "../policies/sender-health.js";
import type { SenderRestriction } from "../ports/transport.js";
import { loadConfig } from "./load-config.js";
import { assessHealth, withRestriction } from "./sender-health.js";

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
 * What the caller already knows of a sender, so its status is built without reading it again: a
 * dispatch run publishing the status after each send (the lease makes its sends the sender's only
 * ones) costs no storage call per message. What is not given, or no longer applies, is read.
 */
export interface KnownStatus {
  /** The day's count, `{ day, count }` with the local day key it is for; read when that day is over. */
  sentToday?: { day: string; count: number } | null;
  /**
   * The health judged from the sender's counters, without its restriction (dispatch's gate judged
   * it when the run started: what the run caps by); the config's restriction still applies.
   */
  health?: SenderHealth;
  /** The new-chat counter (`key`: `newChatCounterKey` of the quota it counts against); read when the quota's key differs. */
  newChatsSent?: { key: string; count: number } | null;
}

export async function statusOf(ctx: EngineContext, config: ReferrerConfig, known: KnownStatus = {}): Promise<ReferrerStatus> {
  const now = ctx.clock.now();
  const day = dailyCounterKey(now, config.timezone);
  const sentToday = known.sentToday && known.sentToday.day === day ? known.sentToday.count : await ctx.storage.counters.get(config.referrerUserId, day);
  const restriction = config.restriction && (config.restriction.until === null || config.restriction.until > now) ? config.restriction : null;
  // As `assessHealth` shows it: without sender health, `good` whatever the restriction.
  const health = known.health ? (ctx.options.senderHealth ? withRestriction(known.health, config, now) : known.health) : await assessHealth(ctx, config, now);
  const quota = newChatQuotaOf(ctx, config.referrerUserId, now);
  const quotaKey = quota ? newChatCounterKey(quota) : null;
  const newChatsSent =
    quota === null ? 0 : known.newChatsSent && known.newChatsSent.key === quotaKey ? known.newChatsSent.count : await ctx.storage.counters.get(config.referrerUserId, quotaKey!);
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

export async function publishStatus(ctx: EngineContext, config: ReferrerConfig, known: KnownStatus = {}): Promise<ReferrerStatus> {
  const status = await statusOf(ctx, config, known);
  ctx.events.emit({ type: "status", referrerUserId: config.referrerUserId, status });
  return status;
}
