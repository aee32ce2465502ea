import type { EngineContext } from "../engine/context.js";
import { DELIVERY_STATUS_RANK, type Delivery, type Target } from "../model/target.js";
import type { TargetChanges } from "../ports/storage.js";
import { countForHealth } from "./sender-health.js";

export interface Receipt {
  messageId: string;
  status: "delivered" | "read" | "failed";
  at: Date;
  /** The server's error code of a `failed` receipt, when known: 463 ("account restricted") is never resent. */
  error?: string;
}

const MAX_CONFLICT_RETRIES = 5;
/**
 * A `failed` receipt this soon after the send is the server refusing the message (Baileys: an
 * ERROR ack; whatsapp-web.js: ACK_ERROR): it never reached the person, so the day is sent again,
 * once. Later failures only mark the delivery.
 */
export const REFUSED_WINDOW_MS = 10 * 60_000;
const REFUSED_AND_RESENT = "refused by WhatsApp's server right after the send: sent again once";

function progressed(delivery: Delivery, receipt: Receipt): Delivery | null {
  if (receipt.status === "failed") {
    return delivery.status === "sent" ? { ...delivery, status: "failed", errorMessage: "the transport reported the message as not delivered" } : null;
  }
  if (delivery.status === "failed" || DELIVERY_STATUS_RANK[receipt.status] <= DELIVERY_STATUS_RANK[delivery.status]) return null;
  return receipt.status === "read"
    ? { ...delivery, status: "read", readAt: receipt.at, deliveredAt: delivery.deliveredAt ?? receipt.at }
    : { ...delivery, status: "delivered", deliveredAt: receipt.at };
}

/**
 * Moves a delivery forward (sent → delivered → read); late or repeated receipts change nothing.
 * A receipt for a message not recorded yet is kept briefly and applied once it is (X2).
 */
export async function handleReceipt(ctx: EngineContext, receipt: Receipt): Promise<boolean> {
  const applied = await applyReceipt(ctx, receipt);
  if (applied !== "unknown") return applied;
  ctx.earlyReceipts.keep(receipt, ctx.clock.now());
  // Recorded between the lookup and the keep: the sender's take may have run already.
  if (await ctx.storage.targets.findByMessageId(receipt.messageId)) {
    for (const early of ctx.earlyReceipts.take([receipt.messageId], ctx.clock.now())) await applyReceipt(ctx, early);
  }
  return false;
}

/** After a delivery's record: the receipts that came before it. */
export async function applyEarlyReceipts(ctx: EngineContext, messageIds: readonly string[]): Promise<void> {
  for (const receipt of ctx.earlyReceipts.take(messageIds, ctx.clock.now())) {
    await applyReceipt(ctx, receipt).catch((error: unknown) => {
      ctx.logger.warn({ messageId: receipt.messageId, err: error instanceof Error ? error.message : String(error) }, "early receipt could not be applied");
    });
  }
}

async function applyReceipt(ctx: EngineContext, receipt: Receipt): Promise<boolean | "unknown"> {
  for (let attempt = 0; attempt < MAX_CONFLICT_RETRIES; attempt++) {
    const target = await ctx.storage.targets.findByMessageId(receipt.messageId);
    if (!target) return "unknown";
    const index = target.messagesDelivered.findIndex(
      (d) => d.messageId === receipt.messageId || d.mediaMessageIds?.includes(receipt.messageId),
    );
    const next = index < 0 ? null : progressed(target.messagesDelivered[index]!, receipt);
    if (!next) return false;
    const resend = receipt.messageId === next.messageId && next.status === "failed" ? await resendChanges(ctx, target, index, receipt) : null;
    const deliveries = target.messagesDelivered.map((d, i) => (i === index ? (resend ? { ...next, errorMessage: REFUSED_AND_RESENT } : next) : d));
    const updated = await ctx.storage.targets.updateIf(target.id, { revision: target.revision }, { messagesDelivered: deliveries, ...resend, updatedAt: ctx.clock.now() });
    if (updated) {
      // The sender's health: a text's first receipt, under the hour it was sent (media follow their text).
      const before = target.messagesDelivered[index]!;
      if (before.status === "sent" && receipt.messageId === before.messageId) {
        await countForHealth(ctx, target.referrerUserId, before.sentAt, next.status === "failed" ? "failed" : "delivered");
        if (next.status === "failed" && receipt.error === "463") await countForHealth(ctx, target.referrerUserId, before.sentAt, "refused");
      }
      if (resend) ctx.logger.warn({ targetId: target.id, day: next.day }, "WhatsApp refused a relance right after it was sent: the day is sent again once");
      return true;
    }
  }
  ctx.logger.warn({ messageId: receipt.messageId }, "receipt dropped after repeated write conflicts");
  return false;
}

/**
 * X4: the text of the target's latest day was refused soon after it left, nothing was sent
 * since, and this day was not refused before: the target goes back to that day, due now (same
 * idempotency key, so a transport with deterministic ids sends the same id). Not while WhatsApp
 * restricts the sender (error 463: sending again worsens it; dispatch holds the sender anyway).
 */
async function resendChanges(ctx: EngineContext, target: Target, index: number, receipt: Receipt): Promise<Omit<TargetChanges, "updatedAt"> | null> {
  if (receipt.error === "463") return null;
  const delivery = target.messagesDelivered[index]!;
  const now = ctx.clock.now();
  if (target.status !== "active" || target.claim || target.lastSentDay !== delivery.day || target.currentDay !== delivery.day + 1) return null;
  if (now.getTime() - delivery.sentAt.getTime() > REFUSED_WINDOW_MS) return null;
  if (target.messagesDelivered.some((d, i) => i !== index && d.day === delivery.day)) return null;
  const config = await ctx.storage.configs.get(target.referrerUserId);
  const restriction = config?.restriction;
  if (restriction && (restriction.until === null || restriction.until > now)) return null;
  const earlier = target.messagesDelivered.filter((d, i) => i !== index && d.status !== "failed").map((d) => d.day);
  return {
    currentDay: delivery.day,
    nextMessageDue: now,
    lastSentDay: earlier.length > 0 ? Math.max(...earlier) : null,
    failedAttempts: 0,
  };
}
