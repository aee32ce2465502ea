import type { EngineContext } from "../engine/context.js";
import { SenderRestrictedError } from "../errors.js";
import type { ReferrerConfig } from "../model/referrer-config.js";
import type { LinkState, SenderRestriction } from "../ports/transport.js";
import { applyLinkState, notifySenderDown } from "./link-state.js";
import { publishStatus } from "./status.js";

/** What dispatch counts of a held sender. */
export interface HoldCounts {
  held: number;
}

/**
 * A held sender's due targets wait `heldRecheckMs` (one batched write): they leave the head of the
 * due set, so however many senders are held, one that can send gets its turn. Returns how many.
 */
export async function deferHeld(ctx: EngineContext, referrerUserId: string, until?: Date): Promise<number> {
  const now = ctx.clock.now();
  return ctx.storage.targets.deferDue(referrerUserId, now, until ?? new Date(now.getTime() + ctx.options.heldRecheckMs));
}

/**
 * The way back: a sender that can send again (resumed, re-enabled, reconnected) gets its held
 * targets due at once instead of after `heldRecheckMs`. Targets deferred for a window or a daily
 * limit and due within that delay come too; dispatch defers them again.
 */
export async function resumeHeld(ctx: EngineContext, referrerUserId: string): Promise<number> {
  const now = ctx.clock.now();
  return ctx.storage.targets.resumeDue(referrerUserId, now, new Date(now.getTime() + ctx.options.heldRecheckMs));
}

/**
 * Sender down: hold everything (no attempt counted), record why, tell the referrer once. A
 * `connecting` sender is a transient drop the transport is already reconnecting from: held the
 * same way, but nothing is said to the referrer (the transport reports `failed` if it gives up).
 */
export async function holdSender(ctx: EngineContext, config: ReferrerConfig, link: LinkState, result: HoldCounts): Promise<void> {
  const held = await deferHeld(ctx, config.referrerUserId);
  result.held += held;
  const transient = link.status === "connecting";
  const reason = link.reason ?? `WhatsApp ${link.status.replace("_", " ")}`;
  if (!transient) await notifySenderDown(ctx, config, link.status, reason, held);
  await applyLinkState(ctx, config.referrerUserId, link);
  if (transient) ctx.logger.info({ referrerUserId: config.referrerUserId, linkStatus: link.status, held }, "sender reconnecting: targets held");
  else ctx.logger.warn({ referrerUserId: config.referrerUserId, linkStatus: link.status, held }, "sender unavailable: targets held");
}

export function restrictionOf(error: SenderRestrictedError): SenderRestriction {
  return { reason: error.reason, until: error.until };
}

/**
 * The restriction in force for a connected sender: what the transport reports now, else one
 * recorded earlier (e.g. from a refused send) whose end is known and still ahead. One recorded
 * without an end is not enforced here: the next send finds out whether it still holds.
 */
export function activeRestriction(config: ReferrerConfig, link: LinkState, now: Date): SenderRestriction | null {
  if (link.restriction) return link.restriction;
  const recorded = config.restriction;
  if (recorded?.until && recorded.until > now) return { reason: recorded.reason, until: recorded.until };
  return null;
}

/**
 * WhatsApp restricts the account: sending anyway worsens it. Every due target waits (until the
 * end when known, else for the next run), no attempt is counted, and the referrer hears of it
 * once per restriction.
 */
export async function holdRestricted(ctx: EngineContext, config: ReferrerConfig, restriction: SenderRestriction, result: HoldCounts): Promise<void> {
  const referrerUserId = config.referrerUserId;
  const now = ctx.clock.now();
  const until = restriction.until && restriction.until > now ? restriction.until : null;
  // Without a known end, looked at again after heldRecheckMs.
  const held = await deferHeld(ctx, referrerUserId, until ?? undefined);
  result.held += held;
  await recordRestriction(ctx, referrerUserId, { reason: restriction.reason, until }, held);
  ctx.logger.warn({ referrerUserId, reason: restriction.reason, until, held }, "sender restricted by WhatsApp: targets held");
}

/** Dispatch holds the sender's lease here, so read-then-write gives one notification per restriction. */
async function recordRestriction(ctx: EngineContext, referrerUserId: string, restriction: SenderRestriction, heldTargets: number): Promise<void> {
  const now = ctx.clock.now();
  const current = (await ctx.storage.configs.get(referrerUserId))?.restriction ?? null;
  if (current?.notifiedAt) {
    if (current.until?.getTime() !== restriction.until?.getTime() || current.reason !== restriction.reason) {
      const updated = await ctx.storage.configs.update(referrerUserId, { restriction: { ...current, reason: restriction.reason, until: restriction.until }, updatedAt: now });
      if (updated) await publishStatus(ctx, updated);
    }
    return;
  }
  const stored = await ctx.storage.configs.update(referrerUserId, {
    restriction: { reason: restriction.reason, until: restriction.until, since: current?.since ?? now, notifiedAt: now },
    updatedAt: now,
  });
  try {
    await ctx.notifier.notify({ type: "sender_restricted", referrerUserId, reason: restriction.reason, until: restriction.until, heldTargets, at: now });
  } catch (error) {
    ctx.logger.warn({ referrerUserId, err: String(error) }, "referrer notification failed");
  }
  if (stored) await publishStatus(ctx, stored);
}

/**
 * The transport announced a restriction (a link event): shown in Status at once. Dispatch, which
 * holds the sender, is the one that notifies (once, as `notifiedAt` is still null here).
 */
export async function noteRestriction(ctx: EngineContext, config: ReferrerConfig, restriction: SenderRestriction): Promise<void> {
  const current = config.restriction ?? null;
  if (current && current.reason === restriction.reason && current.until?.getTime() === restriction.until?.getTime()) return;
  const now = ctx.clock.now();
  const updated = await ctx.storage.configs.update(config.referrerUserId, {
    restriction: { reason: restriction.reason, until: restriction.until, since: current?.since ?? now, notifiedAt: current?.notifiedAt ?? null },
    updatedAt: now,
  });
  ctx.logger.warn({ referrerUserId: config.referrerUserId, reason: restriction.reason, until: restriction.until }, "sender restricted by WhatsApp");
  if (updated) await publishStatus(ctx, updated);
}

/** The restriction ended: forget it, so the next one is notified again. */
export async function clearRestriction(ctx: EngineContext, config: ReferrerConfig): Promise<ReferrerConfig> {
  if (!config.restriction) return config;
  const updated = await ctx.storage.configs.update(config.referrerUserId, { restriction: null, updatedAt: ctx.clock.now() });
  ctx.logger.info({ referrerUserId: config.referrerUserId }, "sender restriction ended: sending resumes");
  if (updated) await publishStatus(ctx, updated);
  return updated ?? config;
}
