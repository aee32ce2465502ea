import type { EngineContext } from "../engine/context.js";
import { DELIVERY_STATUS_RANK, type Delivery } from "../model/target.js";

export interface Receipt {
  messageId: string;
  status: "delivered" | "read" | "failed";
  at: Date;
}

const MAX_CONFLICT_RETRIES = 5;

function progressed(delivery: Delivery, receipt: Receipt): Delivery | null {
  if (receipt.status === "failed") {
    return delivery.status === "sent" ? { ...delivery, status: "failed", errorMessage: "the transport reported the message as not delivered" } : null;
  }
  if (delivery.status === "failed" || DELIVERY_STATUS_RANK[receipt.status] <= DELIVERY_STATUS_RANK[delivery.status]) return null;
  return receipt.status === "read"
    ? { ...delivery, status: "read", readAt: receipt.at, deliveredAt: delivery.deliveredAt ?? receipt.at }
    : { ...delivery, status: "delivered", deliveredAt: receipt.at };
}

/** Moves a delivery forward (sent → delivered → read); late or repeated receipts change nothing. */
export async function handleReceipt(ctx: EngineContext, receipt: Receipt): Promise<boolean> {
  for (let attempt = 0; attempt < MAX_CONFLICT_RETRIES; attempt++) {
    const target = await ctx.storage.targets.findByMessageId(receipt.messageId);
    if (!target) return false;
    const index = target.messagesDelivered.findIndex(
      (d) => d.messageId === receipt.messageId || d.mediaMessageIds?.includes(receipt.messageId),
    );
    const next = index < 0 ? null : progressed(target.messagesDelivered[index]!, receipt);
    if (!next) return false;
    const deliveries = target.messagesDelivered.map((d, i) => (i === index ? next : d));
    const updated = await ctx.storage.targets.updateIf(target.id, { revision: target.revision }, { messagesDelivered: deliveries, updatedAt: ctx.clock.now() });
    if (updated) return true;
  }
  ctx.logger.warn({ messageId: receipt.messageId }, "receipt dropped after repeated write conflicts");
  return false;
}
