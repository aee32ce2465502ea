import type { EngineContext } from "../engine/context.js";
import type { E164 } from "../model/phone.js";
import type { LinkStatus, OnReply, ReferrerConfig } from "../model/referrer-config.js";
import type { SendWindow } from "../model/send-window.js";
import { dailyCounterKey, effectiveDailyCap } from "../policies/daily-limit.js";
import { newChatCounterKey, newChatQuotaOf } from "../policies/new-chat-quota.js";
import { healthAdjustedCap, type SenderHealth } from "../policies/sender-health.js";
import type { LinkState, SenderRestriction } from "../ports/transport.js";
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

export function defaultConfig(ctx: EngineContext, referrerUserId: string): ReferrerConfig {
  const now = ctx.clock.now();
  return {
    referrerUserId,
    enabled: true,
    enrollmentPaused: false,
    sendingPaused: false,
    timezone: ctx.options.defaultTimezone,
    sendWindow: { ...ctx.options.defaultSendWindow },
    whatsapp: { status: "disconnected", phone: null, linkedAt: null, lastError: null, updatedAt: now },
    failureNotifiedAt: null,
    disconnectedByReferrerAt: null,
    restriction: null,
    healthHold: null,
    createdAt: now,
    updatedAt: now,
  };
}

export function loadConfig(ctx: EngineContext, referrerUserId: string): Promise<ReferrerConfig> {
  return ctx.storage.configs.getOrCreate(defaultConfig(ctx, referrerUserId));
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

/**
 * Records what the transport says of a referrer's session: the link status that enrollment and
 * dispatch read, "linked" from the first connection until a logout, and a fresh notification
 * budget once they reconnect.
 */
export function applyLinkState(ctx: EngineContext, referrerUserId: string, state: LinkState): Promise<ReferrerConfig> {
  // One at a time per referrer: connect's answer and the transport's event often carry the same
  // state at once, and each must see the other's write (one log line, one status event).
  let chains = linkChains.get(ctx);
  if (!chains) linkChains.set(ctx, (chains = new Map()));
  const previous = chains.get(referrerUserId) ?? Promise.resolve();
  const next = previous.catch(() => undefined).then(() => applyLinkStateNow(ctx, referrerUserId, state));
  const settled = next.catch(() => undefined);
  chains.set(referrerUserId, settled);
  void settled.then(() => {
    if (chains.get(referrerUserId) === settled) chains.delete(referrerUserId);
  });
  return next;
}

const linkChains = new WeakMap<EngineContext, Map<string, Promise<unknown>>>();

async function applyLinkStateNow(ctx: EngineContext, referrerUserId: string, state: LinkState): Promise<ReferrerConfig> {
  if (state.qr) ctx.events.emitQr(referrerUserId, state.qr);
  let stored: ReferrerConfig | null = null;
  // Read-modify-write of `whatsapp`, conditioned on the `updatedAt` read: a change made meanwhile
  // (another process, the referrer's own update) is read again rather than overwritten.
  for (let attempt = 0; stored === null; attempt++) {
    const now = ctx.clock.now();
    const config = await loadConfig(ctx, referrerUserId);
    const previous = config.whatsapp;
    const linkedAt = state.status === "connected" ? (previous.linkedAt ?? now) : state.status === "logged_out" ? null : previous.linkedAt;
    // The reason is the current one: a "reconnecting in 18 s" must not outlive the attempt.
    const reason = state.status === "connected" ? null : (state.reason ?? null);
    const changed =
      previous.status !== state.status ||
      reason !== previous.lastError ||
      (state.phone !== null && state.phone !== previous.phone) ||
      linkedAt?.getTime() !== previous.linkedAt?.getTime();
    if (!changed) return config;
    const changes = {
      whatsapp: {
        status: state.status,
        phone: state.phone ?? previous.phone,
        linkedAt,
        lastError: reason,
        updatedAt: now,
      },
      ...(state.status === "connected" ? { failureNotifiedAt: null } : {}),
      updatedAt: now,
    };
    stored = await ctx.storage.configs.update(referrerUserId, changes, { updatedAt: config.updatedAt });
    // Three changes in a row beat it: the link state is what the transport says now, so it wins.
    if (stored === null && attempt >= 2) stored = (await ctx.storage.configs.update(referrerUserId, changes)) ?? config;
  }
  ctx.logger.info({ referrerUserId, linkStatus: state.status, reason: state.reason }, "whatsapp link changed");
  // Reconnected: the targets held while it was down are due again now (see `resumeHeld`).
  if (state.status === "connected") {
    const now = ctx.clock.now();
    await ctx.storage.targets.resumeDue(referrerUserId, now, new Date(now.getTime() + ctx.options.heldRecheckMs));
  }
  if (state.status === "logged_out") await notifySenderDown(ctx, stored, state.status, state.reason ?? "logged out from the phone", 0);
  await publishStatus(ctx, stored);
  return stored;
}

/** Tells the referrer their sender is down, once per outage (across processes). */
export async function notifySenderDown(
  ctx: EngineContext,
  config: ReferrerConfig,
  linkStatus: LinkStatus,
  reason: string,
  heldTargets: number,
): Promise<boolean> {
  const now = ctx.clock.now();
  if (!(await ctx.storage.configs.markFailureNotified(config.referrerUserId, now))) return false;
  try {
    await ctx.notifier.notify({ type: "sender_unavailable", referrerUserId: config.referrerUserId, linkStatus, reason, heldTargets, at: now });
  } catch (error) {
    ctx.logger.warn({ referrerUserId: config.referrerUserId, err: String(error) }, "referrer notification failed");
  }
  return true;
}
