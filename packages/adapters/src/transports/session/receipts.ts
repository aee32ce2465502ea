/**
 * What a message's acknowledgement means to the engine, for both drivers. Each library counts
 * the same steps with its own numbers (Baileys `WAMessageStatus` ERROR 0 … PLAYED 5,
 * lib/Types/Message.d.ts:32 and WAProto/index.d.ts:13762-13767; whatsapp-web.js `MessageAck`
 * ACK_ERROR -1 … ACK_PLAYED 4, index.d.ts:1060-1066): each driver names the step, this says
 * what it is.
 */
export type AckStep = "error" | "pending" | "server" | "device" | "read" | "played";

export type ReceiptStatus = "delivered" | "read" | "failed";

/** Null: the step only says the message left this device (pending, server ack): nothing to report. */
export function receiptOf(step: AckStep | null): ReceiptStatus | null {
  switch (step) {
    case "device":
      return "delivered";
    case "read":
    case "played":
      return "read";
    case "error":
      return "failed";
    default:
      return null;
  }
}
