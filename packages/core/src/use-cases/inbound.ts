import type { EngineContext } from "../engine/context.js";
import { normalizePhone } from "../model/phone.js";
import { doNotContactKey } from "./do-not-contact.js";
import { IN_LOOP_STATUSES, type Target } from "../model/target.js";
import { isStopReply } from "../policies/stop-keywords.js";
import { loadConfig } from "./load-config.js";
import { exitChanges, exitTargets } from "./target-transitions.js";

export interface InboundMessage {
  /** The referrer whose number received the reply. */
  referrerUserId: string;
  from: string;
  text: string;
}

export interface InboundResult {
  optedOut: boolean;
  exited: number;
  /** Targets whose referral replied for the first time (not a STOP): their referrer was notified. */
  replied: number;
}

/**
 * A reply to a referrer's number, matched to their targets by the sender's number only. STOP
 * and its variants opt the sender out for good; any other text means a person is talking: with
 * the referrer's `onReply` at `stop` (default) the sequence exits `replied`, and the referrer
 * hears of it once per referral either way.
 */
export async function handleInbound(ctx: EngineContext, inbound: InboundMessage): Promise<InboundResult> {
  const phone = normalizePhone(inbound.from);
  if (!phone) return { optedOut: false, exited: 0, replied: 0 };
  if (!isStopReply(inbound.text)) return handleReply(ctx, inbound, phone);
  // Under the number's keyed hash, without the referrer: the list says "never again", nothing more.
  await ctx.storage.doNotContact.add({ phone: doNotContactKey(ctx, phone), reason: "opted_out", referrerUserId: null, addedAt: ctx.clock.now() });
  const targets = await ctx.storage.targets.listActiveByReferrer(inbound.referrerUserId, phone);
  const exited = await exitTargets(ctx, targets, "opted_out");
  await Promise.all(targets.map((t) => ctx.inFlight.settled(t.referralUserId)));
  ctx.logger.info({ referrerUserId: inbound.referrerUserId, exited }, "opt-out received");
  return { optedOut: true, exited, replied: 0 };
}

async function handleReply(ctx: EngineContext, inbound: InboundMessage, phone: string): Promise<InboundResult> {
  const targets = await ctx.storage.targets.listActiveByReferrer(inbound.referrerUserId, phone);
  if (targets.length === 0) return { optedOut: false, exited: 0, replied: 0 };
  const config = await loadConfig(ctx, inbound.referrerUserId);
  const stop = (config.onReply ?? "stop") === "stop";
  let exited = 0;
  let replied = 0;
  for (const target of targets) {
    const marked = stop ? await exitReplied(ctx, target) : await markReplied(ctx, target);
    if (!marked) continue;
    if (stop) exited++;
    // Only the first reply of a referral reaches the referrer: the write above is the one winner.
    if (target.repliedAt != null) continue;
    replied++;
    await notifyReply(ctx, marked, inbound.text, stop);
  }
  // A message of theirs leaving right now is recorded before this returns, like for a STOP.
  await Promise.all(targets.map((t) => ctx.inFlight.settled(t.referralUserId)));
  // The text is the referral's own words: it reaches the referrer, never the logs.
  ctx.logger.info({ referrerUserId: inbound.referrerUserId, onReply: stop ? "stop" : "continue", exited, notified: replied }, "reply received");
  return { optedOut: false, exited, replied };
}

/** Exits an active target as `replied`, recording the first reply's instant. */
async function exitReplied(ctx: EngineContext, target: Target): Promise<Target | null> {
  const now = ctx.clock.now();
  const done = await ctx.storage.targets.updateIf(target.id, { status: target.status }, { ...exitChanges("replied", now), ...(target.repliedAt == null ? { repliedAt: now } : {}) });
  if (done) ctx.logger.info({ targetId: target.id, referrerUserId: target.referrerUserId, reason: "replied" }, "target left the loop");
  return done;
}

/**
 * With `continue`: records the first reply (`repliedAt`), keeping the target as it is. The
 * revision condition makes one writer win between processes; a write by dispatch meanwhile only
 * means reading again.
 */
async function markReplied(ctx: EngineContext, target: Target): Promise<Target | null> {
  let current: Target | null = target;
  for (let attempt = 0; attempt < 5 && current && IN_LOOP_STATUSES.includes(current.status); attempt++) {
    if (current.repliedAt != null) return null;
    const now = ctx.clock.now();
    const done = await ctx.storage.targets.updateIf(current.id, { revision: current.revision }, { repliedAt: now, updatedAt: now });
    if (done) return done;
    current = await ctx.storage.targets.get(current.id);
  }
  return null;
}

async function notifyReply(ctx: EngineContext, target: Target, text: string, exited: boolean): Promise<void> {
  try {
    await ctx.notifier.notify({
      type: "referral_replied",
      referrerUserId: target.referrerUserId,
      referralUserId: target.referralUserId,
      targetId: target.id,
      phone: target.contact.phone,
      text,
      exited,
      at: target.repliedAt ?? ctx.clock.now(),
    });
  } catch (error) {
    ctx.logger.warn({ referrerUserId: target.referrerUserId, err: String(error) }, "referrer notification failed");
  }
}
