import type { EngineContext } from "../engine/context.js";
import type { E164 } from "../model/phone.js";
import type { LinkStatus, ReferrerConfig } from "../model/referrer-config.js";
import type { SendWindow } from "../model/send-window.js";
import { dailyCounterKey } from "../policies/daily-limit.js";
import type { LinkState } from "../ports/transport.js";

/** What a referrer sees of their relance set-up (the HTTP `Status`). */
export interface ReferrerStatus {
  status: LinkStatus;
  phone: E164 | null;
  enabled: boolean;
  enrollmentPaused: boolean;
  sendingPaused: boolean;
  messagesSentToday: number;
  dailyLimit: number;
  timezone: string;
  sendWindow: SendWindow;
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
    createdAt: now,
    updatedAt: now,
  };
}

export function loadConfig(ctx: EngineContext, referrerUserId: string): Promise<ReferrerConfig> {
  return ctx.storage.configs.getOrCreate(defaultConfig(ctx, referrerUserId));
}

export async function statusOf(ctx: EngineContext, config: ReferrerConfig): Promise<ReferrerStatus> {
  const sentToday = await ctx.storage.counters.get(config.referrerUserId, dailyCounterKey(ctx.clock.now(), config.timezone));
  return {
    status: config.whatsapp.status,
    phone: config.whatsapp.phone,
    enabled: config.enabled,
    enrollmentPaused: config.enrollmentPaused,
    sendingPaused: config.sendingPaused,
    messagesSentToday: sentToday,
    dailyLimit: ctx.options.maxMessagesPerDay,
    timezone: config.timezone,
    sendWindow: { ...config.sendWindow },
  };
}

export async function getStatus(ctx: EngineContext, referrerUserId: string): Promise<ReferrerStatus> {
  return statusOf(ctx, await loadConfig(ctx, referrerUserId));
}

export async function publishStatus(ctx: EngineContext, config: ReferrerConfig): Promise<ReferrerStatus> {
  const status = await statusOf(ctx, config);
  ctx.events.emit({ type: "status", referrerUserId: config.referrerUserId, status });
  return status;
}

/**
 * Records what the transport says of a referrer's session: the link status that enrollment and
 * dispatch read, "linked" from the first connection until a logout, and a fresh notification
 * budget once they reconnect.
 */
export async function applyLinkState(ctx: EngineContext, referrerUserId: string, state: LinkState): Promise<ReferrerConfig> {
  const now = ctx.clock.now();
  const config = await loadConfig(ctx, referrerUserId);
  if (state.qr) ctx.events.emitQr(referrerUserId, state.qr);
  const previous = config.whatsapp;
  const linkedAt = state.status === "connected" ? (previous.linkedAt ?? now) : state.status === "logged_out" ? null : previous.linkedAt;
  const changed =
    previous.status !== state.status ||
    (state.phone !== null && state.phone !== previous.phone) ||
    linkedAt?.getTime() !== previous.linkedAt?.getTime();
  if (!changed) return config;
  const updated = await ctx.storage.configs.update(referrerUserId, {
    whatsapp: {
      status: state.status,
      phone: state.phone ?? previous.phone,
      linkedAt,
      lastError: state.status === "connected" ? null : (state.reason ?? previous.lastError),
      updatedAt: now,
    },
    ...(state.status === "connected" ? { failureNotifiedAt: null } : {}),
    updatedAt: now,
  });
  const stored = updated ?? config;
  ctx.logger.info({ referrerUserId, linkStatus: state.status, reason: state.reason }, "whatsapp link changed");
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
