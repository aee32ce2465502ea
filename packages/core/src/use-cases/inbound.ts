import type { EngineContext } from "../engine/context.js";
import { normalizePhone } from "../model/phone.js";
import { isStopReply } from "../policies/stop-keywords.js";
import { exitTargets } from "./target-transitions.js";

export interface InboundMessage {
  /** The referrer whose number received the reply. */
  referrerUserId: string;
  from: string;
  text: string;
}

/** A reply to a referrer's number: STOP and its variants opt the sender out for good. */
export async function handleInbound(ctx: EngineContext, inbound: InboundMessage): Promise<{ optedOut: boolean; exited: number }> {
  if (!isStopReply(inbound.text)) return { optedOut: false, exited: 0 };
  const phone = normalizePhone(inbound.from);
  if (!phone) return { optedOut: false, exited: 0 };
  await ctx.storage.doNotContact.add({ phone, reason: "opted_out", referrerUserId: inbound.referrerUserId, addedAt: ctx.clock.now() });
  const targets = await ctx.storage.targets.listActiveByReferrer(inbound.referrerUserId, phone);
  const exited = await exitTargets(ctx, targets, "opted_out");
  await Promise.all(targets.map((t) => ctx.inFlight.settled(t.referralUserId)));
  ctx.logger.info({ referrerUserId: inbound.referrerUserId, exited }, "opt-out received");
  return { optedOut: true, exited };
}
