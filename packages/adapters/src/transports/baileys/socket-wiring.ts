import type { BaileysEventMap } from "@whiskeysockets/baileys";
import type { Logger } from "@relance/core";
import { receiptsFromStatusUpdates, receiptsFromUserReceipts, type ReceiptUpdate } from "./events.js";
import type { BaileysInbox } from "./inbox.js";
import type { ReadinessGate } from "./readiness.js";
import type { RestrictionWatch } from "./restrictions.js";
import type { BaileysSocket } from "./socket.js";
import { messageOf } from "../session/error-message.js";

export interface SocketWiring {
  referrerUserId: string;
  logger: Logger;
  inbox: BaileysInbox;
  readiness: ReadinessGate;
  restrictions: RestrictionWatch;
  /** Writes the creds (Baileys merged the update into the creds object already); skipped once discarded. */
  saveCreds(): Promise<void> | null;
  connectionUpdate(update: BaileysEventMap["connection.update"]): void;
  receipt(receipt: ReceiptUpdate): void;
}

/**
 * A new socket's events, by concern: the creds it changes, its connection (lifecycle), the
 * replies it surfaces (inbound: the inbox), and what WhatsApp says of what we sent (receipts,
 * refusals, restrictions).
 */
export function wireSocket(sock: BaileysSocket, w: SocketWiring): void {
  const { ev } = sock;
  ev.on("creds.update", () => {
    w.saveCreds()?.catch((error: unknown) => w.logger.error({ referrerUserId: w.referrerUserId, err: messageOf(error) }, "baileys creds could not be saved"));
  });
  ev.on("connection.update", (update) => w.connectionUpdate(update));
  // Inbound.
  ev.on("messages.upsert", (upsert) => {
    w.readiness.onActivity();
    w.inbox.onUpsert(upsert);
  });
  ev.on("lid-mapping.update", (mapping) => w.inbox.onMapping(mapping));
  // Outbound: receipts, refusals, restrictions.
  ev.on("message-capping.update", (info) => w.restrictions.onCapping(info));
  ev.on("messages.update", (updates) => {
    w.readiness.onActivity();
    if (w.restrictions.onStatusUpdates(updates)) {
      w.logger.warn({ referrerUserId: w.referrerUserId }, "baileys: WhatsApp refused a message (463, account restricted): sender held");
    }
    for (const receipt of receiptsFromStatusUpdates(updates)) w.receipt(receipt);
  });
  ev.on("message-receipt.update", (updates) => {
    for (const receipt of receiptsFromUserReceipts(updates)) w.receipt(receipt);
  });
}
