import { describe, expect, it } from "vitest";
import { WAMessageStatus, type BaileysEventMap } from "@whiskeysockets/baileys";
import { receiptsFromStatusUpdates } from "../../../src/transports/baileys/events.js";
import { receiptOf, type AckStep, type ReceiptStatus } from "../../../src/transports/session/receipts.js";
import { receiptStatus } from "../../../src/transports/wwebjs/events.js";
import { MessageAck } from "../../../src/transports/wwebjs/library.js";

// One table for both drivers: [step, what the engine hears, Baileys' number, whatsapp-web.js' number].
const CASES: Array<[AckStep, ReceiptStatus | null, number, MessageAck]> = [
  ["error", "failed", WAMessageStatus.ERROR, MessageAck.ACK_ERROR],
  ["pending", null, WAMessageStatus.PENDING, MessageAck.ACK_PENDING],
  ["server", null, WAMessageStatus.SERVER_ACK, MessageAck.ACK_SERVER],
  ["device", "delivered", WAMessageStatus.DELIVERY_ACK, MessageAck.ACK_DEVICE],
  ["read", "read", WAMessageStatus.READ, MessageAck.ACK_READ],
  ["played", "read", WAMessageStatus.PLAYED, MessageAck.ACK_PLAYED],
];

describe("receipts: what an acknowledgement means, the same for both drivers", () => {
  it.each(CASES)("%s → %s", (step, expected, baileys, wwebjs) => {
    expect(receiptOf(step)).toBe(expected);
    expect(receiptStatus(wwebjs)).toBe(expected);
    const update = [{ key: { id: "M1", fromMe: true, remoteJid: "33611111111@s.whatsapp.net" }, update: { status: baileys } }] as BaileysEventMap["messages.update"];
    expect(receiptsFromStatusUpdates(update).map((r) => r.status)).toEqual(expected ? [expected] : []);
  });

  it("no step, or one a library adds later, reports nothing", () => {
    expect(receiptOf(null)).toBeNull();
    expect(receiptStatus(99 as MessageAck)).toBeNull();
  });
});
