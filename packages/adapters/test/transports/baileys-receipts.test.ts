import { describe, expect, it } from "vitest";
import { WAMessageStatus, type BaileysEventMap } from "@whiskeysockets/baileys";
import { receiptsFromStatusUpdates } from "../../src/transports/baileys/events.js";

// Baileys turns a server ack carrying an error into a status update (Socket/messages-recv.js:1558-1566):
// status ERROR with messageStubParameters [attrs.error] — [attrs.error, ACCOUNT_RESTRICTED_TEXT] when the
// account is time-locked. The code travels with the receipt so the engine never resends a 463 refusal.
const ack = (id: string, status: number, messageStubParameters?: string[]): BaileysEventMap["messages.update"][number] => ({
  key: { remoteJid: "33611111111@s.whatsapp.net", fromMe: true, id },
  update: { status, ...(messageStubParameters ? { messageStubParameters } : {}) },
});

describe("Baileys receipts from status updates", () => {
  it("gives a failed receipt the server's error code, 463 included", () => {
    expect(receiptsFromStatusUpdates([ack("m1", WAMessageStatus.ERROR, ["463", "Account restricted"]), ack("m2", WAMessageStatus.ERROR, ["479"])])).toEqual([
      { messageId: "m1", status: "failed", error: "463" },
      { messageId: "m2", status: "failed", error: "479" },
    ]);
  });

  it("leaves the code out when the library gives none, and on delivered or read", () => {
    expect(receiptsFromStatusUpdates([ack("m1", WAMessageStatus.ERROR), ack("m2", WAMessageStatus.DELIVERY_ACK), ack("m3", WAMessageStatus.READ)])).toEqual([
      { messageId: "m1", status: "failed" },
      { messageId: "m2", status: "delivered" },
      { messageId: "m3", status: "read" },
    ]);
  });
});
