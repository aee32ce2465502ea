import { WAMessageStatus, type BaileysEventMap } from "@whiskeysockets/baileys";
import type { E164 } from "@relance/core";
import { receiptOf, type AckStep } from "../session/receipts.js";

export interface InboundText {
  /** The message's id (the journal's key). */
  id: string;
  from: E164;
  text: string;
  at: Date;
}

export interface ReceiptUpdate {
  messageId: string;
  status: "delivered" | "read" | "failed";
  /** The server's error code of a failed ack (e.g. `463`, account restricted). */
  error?: string;
}

/** Receipts of our own messages in 1:1 chats (Baileys reports those as status updates). */
export function receiptsFromStatusUpdates(updates: BaileysEventMap["messages.update"]): ReceiptUpdate[] {
  const found: ReceiptUpdate[] = [];
  for (const { key, update } of updates) {
    const status = receiptStatus(update.status);
    if (!key.fromMe || !key.id || !status) continue;
    // An error ack carries its code first (Socket/messages-recv.js:1558-1566).
    const error = status === "failed" ? update.messageStubParameters?.[0] : undefined;
    found.push(error ? { messageId: key.id, status, error } : { messageId: key.id, status });
  }
  return found;
}

/** Per-recipient receipts (Baileys emits them for groups and status broadcasts). */
export function receiptsFromUserReceipts(updates: BaileysEventMap["message-receipt.update"]): ReceiptUpdate[] {
  const found: ReceiptUpdate[] = [];
  for (const { key, receipt } of updates) {
    if (!key.fromMe || !key.id) continue;
    if (receipt.readTimestamp || receipt.playedTimestamp) found.push({ messageId: key.id, status: "read" });
    else if (receipt.receiptTimestamp) found.push({ messageId: key.id, status: "delivered" });
  }
  return found;
}

/** Baileys' status numbers as the shared steps (session/receipts.ts says what each means). */
const STEPS: ReadonlyMap<number, AckStep> = new Map([
  [WAMessageStatus.ERROR, "error"],
  [WAMessageStatus.PENDING, "pending"],
  [WAMessageStatus.SERVER_ACK, "server"],
  [WAMessageStatus.DELIVERY_ACK, "device"],
  [WAMessageStatus.READ, "read"],
  [WAMessageStatus.PLAYED, "played"],
]);

function receiptStatus(status: number | null | undefined): ReceiptUpdate["status"] | null {
  return receiptOf(status == null ? null : (STEPS.get(status) ?? null));
}
