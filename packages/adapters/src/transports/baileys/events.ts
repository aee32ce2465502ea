import { WAMessageStatus, normalizeMessageContent, type BaileysEventMap } from "@whiskeysockets/baileys";
import type { E164 } from "@relance/core";
import { senderPhone } from "./jid.js";

export interface InboundText {
  from: E164;
  text: string;
}

export interface ReceiptUpdate {
  messageId: string;
  status: "delivered" | "read" | "failed";
}

/**
 * Replies worth a look from a `messages.upsert`, from someone else, in a 1:1 chat, with text.
 * Both `notify` (live) and `append`: messages that arrived while our socket was closed (idle
 * close, backoff, restart) come back as `append`, and a STOP among them must not be lost; with
 * `syncFullHistory: false` old history arrives through `messaging-history.set`, not here, and an
 * opt-out handled twice does no harm. Disappearing-message and view-once wrappers are unwrapped,
 * or a "STOP" sent in such a chat would be missed.
 */
export function inboundTexts(upsert: BaileysEventMap["messages.upsert"]): InboundText[] {
  if (upsert.type !== "notify" && upsert.type !== "append") return [];
  const found: InboundText[] = [];
  for (const message of upsert.messages) {
    if (message.key.fromMe) continue;
    const from = senderPhone(message.key);
    const content = normalizeMessageContent(message.message);
    const text = content?.conversation || content?.extendedTextMessage?.text;
    if (from && text) found.push({ from, text });
  }
  return found;
}

/** Receipts of our own messages in 1:1 chats (Baileys reports those as status updates). */
export function receiptsFromStatusUpdates(updates: BaileysEventMap["messages.update"]): ReceiptUpdate[] {
  const found: ReceiptUpdate[] = [];
  for (const { key, update } of updates) {
    const status = receiptStatus(update.status);
    if (key.fromMe && key.id && status) found.push({ messageId: key.id, status });
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

function receiptStatus(status: number | null | undefined): ReceiptUpdate["status"] | null {
  switch (status) {
    case WAMessageStatus.DELIVERY_ACK:
      return "delivered";
    case WAMessageStatus.READ:
    case WAMessageStatus.PLAYED:
      return "read";
    case WAMessageStatus.ERROR:
      return "failed";
    default:
      // PENDING and SERVER_ACK only say the message left this device.
      return null;
  }
}
