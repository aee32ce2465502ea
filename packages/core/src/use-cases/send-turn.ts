import type { EngineContext } from "../engine/context.js";
import type { E164 } from "../model/phone.js";
import type { SendKind } from "../policies/pacing.js";
import type { PresenceState } from "../ports/transport.js";

/** One sender's batch within a dispatch run, as presence sees it. */
export interface PresenceBatch {
  referrerUserId: string;
  /** `available` was sent: `unavailable` closes the batch. */
  online: boolean;
}

/** How long "typing…" shows before this message: random in the configured range, 0 without presence. */
export function composingMs(ctx: EngineContext): number {
  if (!ctx.transport.capabilities.presence) return 0;
  const { typingMs: min, typingMaxMs: max } = ctx.options;
  if (max <= min) return min;
  return min + Math.floor(Math.min(Math.max(ctx.random(), 0), 0.999_999_999) * (max - min + 1));
}

/**
 * Waits for this sender's next send slot, then looks like a person writing: online once per
 * batch, "typing…" to the recipient for a while, paused, and the caller sends. The pacer keeps
 * at least `messageDelayMs` (plus jitter) between two sends whatever the typing time, and the
 * first-contact gap between two first contacts.
 */
export async function waitForTurn(ctx: EngineContext, batch: PresenceBatch, to: E164, kind: SendKind = "follow_up"): Promise<void> {
  const typingMs = composingMs(ctx);
  const slot = ctx.pacer.reserve(batch.referrerUserId, new Date(ctx.clock.now().getTime() + typingMs), kind);
  const wait = slot.getTime() - ctx.clock.now().getTime() - typingMs;
  if (wait > 0) await ctx.clock.sleep(wait);
  if (typingMs === 0) return;
  if (!batch.online) {
    batch.online = true;
    await presence(ctx, batch.referrerUserId, "available");
  }
  await presence(ctx, batch.referrerUserId, "composing", to);
  await ctx.clock.sleep(typingMs);
  await presence(ctx, batch.referrerUserId, "paused", to);
}

/** After the sender's last message of the run: offline again, as a phone put down. */
export async function endBatch(ctx: EngineContext, batch: PresenceBatch): Promise<void> {
  if (!batch.online) return;
  batch.online = false;
  await presence(ctx, batch.referrerUserId, "unavailable");
}

async function presence(ctx: EngineContext, referrerUserId: string, state: PresenceState, to?: E164): Promise<void> {
  try {
    await ctx.transport.sendPresence(referrerUserId, state, to);
  } catch (error) {
    // Presence is cosmetic: a failure never stops a send.
    ctx.logger.debug({ referrerUserId, state, err: String(error) }, "presence update failed");
  }
}
