import type { Receipt } from "../use-cases/receipts.js";

/** How long a receipt for an unknown message is kept, waiting for its delivery's record. */
export const EARLY_RECEIPT_KEEP_MS = 2 * 60_000;
/** Most receipts kept at once (the oldest go first): a bound against ids that never match. */
const MAX_KEPT = 2_000;

/**
 * Receipts that arrived before their delivery was recorded. The record is written once
 * `transport.send` resolved, and a text's delivered/read receipt commonly comes while the sender
 * still uploads its media or writes its own stores. They are kept (in memory, briefly) and applied
 * right after the record.
 */
export class EarlyReceipts {
  private readonly kept = new Map<string, Array<{ receipt: Receipt; until: number }>>();
  private count = 0;

  keep(receipt: Receipt, now: Date): void {
    this.prune(now.getTime());
    if (this.count >= MAX_KEPT) this.dropOldest();
    const list = this.kept.get(receipt.messageId) ?? [];
    list.push({ receipt, until: now.getTime() + EARLY_RECEIPT_KEEP_MS });
    this.kept.set(receipt.messageId, list);
    this.count++;
  }

  /** The receipts kept for these message ids, removed. */
  take(messageIds: readonly string[], now: Date): Receipt[] {
    this.prune(now.getTime());
    const taken: Receipt[] = [];
    for (const id of messageIds) {
      const list = this.kept.get(id);
      if (!list) continue;
      this.kept.delete(id);
      this.count -= list.length;
      taken.push(...list.map((entry) => entry.receipt));
    }
    return taken;
  }

  private prune(now: number): void {
    for (const [id, list] of this.kept) {
      const alive = list.filter((entry) => entry.until > now);
      this.count -= list.length - alive.length;
      if (alive.length === 0) this.kept.delete(id);
      else if (alive.length !== list.length) this.kept.set(id, alive);
    }
  }

  private dropOldest(): void {
    const first = this.kept.keys().next();
    if (first.done) return;
    this.count -= this.kept.get(first.value)?.length ?? 0;
    this.kept.delete(first.value);
  }
}
