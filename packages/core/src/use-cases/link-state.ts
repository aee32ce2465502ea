import type { EngineContext } from "../engine/context.js";
import type { LinkStatus, ReferrerConfig } from "../model/referrer-config.js";
import type { LinkState } from "../ports/transport.js";
import { loadConfig } from "./load-config.js";
import { publishStatus } from "./status.js";

/**
 * Records what the transport says of a referrer's session: the link status that enrollment and
 * dispatch read, "linked" from the first connection until a logout, and a fresh notification
 * budget once they reconnect.
 */
export function applyLinkState(ctx: EngineContext, referrerUserId: string, state: LinkState): Promise<ReferrerConfig> {
  // One at a time per referrer: connect's answer and the transport's event often carry the same
  // state at once, and each must see the other's write (one log line, one status event).
  return ctx.linkWrites.run(referrerUserId, () => applyLinkStateNow(ctx, referrerUserId, state));
}

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
