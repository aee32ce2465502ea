import { messageOf } from "../session/error-message.js";
import { receiptOf, type AckStep, type ReceiptStatus } from "../session/receipts.js";
import type { E164, LinkState } from "@relance/core";
import { MessageAck, WAState } from "./library.js";

/** What a `disconnected(reason)` means for the link; the client is gone either way. */
export function stateAfterDisconnect(reason: string, phone: E164 | null): LinkState {
  if (unlinks(reason)) return { status: "logged_out", phone: null, reason: reason === "LOGOUT" ? "the device was unlinked from the phone" : `the device was unlinked from the phone (${reason})` };
  if (reason === WAState.TOS_BLOCK || reason === WAState.SMB_TOS_BLOCK) return { status: "failed", phone, reason: `account banned: WhatsApp blocked this number (${reason})` };
  if (reason === WAState.CONFLICT) {
    return { status: "failed", phone, reason: "replaced by another connection: this WhatsApp Web session was opened elsewhere" };
  }
  return { status: "disconnected", phone, reason: `WhatsApp Web closed the session (${reason})` };
}

/**
 * The device is no longer linked: LOGOUT (the page's `post_logout`, Client.js:495-499), or the
 * UNPAIRED / UNPAIRED_IDLE states after which the library disconnects (Client.js:815-853). The
 * stored session is worthless and may be deleted.
 */
export function unlinks(reason: string): boolean {
  return reason === "LOGOUT" || reason === WAState.UNPAIRED || reason === WAState.UNPAIRED_IDLE;
}

/**
 * Disconnections after which reopening the stored session on its own would do harm: another
 * client uses it (they would take it from each other in turn), or WhatsApp blocked the account.
 * Only the referrer's next `connect` reopens it.
 */
export function blocksRestore(reason: string): boolean {
  return reason === WAState.CONFLICT || reason === WAState.TOS_BLOCK || reason === WAState.SMB_TOS_BLOCK;
}

/**
 * `change_state` values after which the library keeps the page open and waits for WhatsApp to
 * come back (every other value is followed by `disconnected`).
 */
const RECONNECTING_STATES: ReadonlySet<string> = new Set([WAState.OPENING, WAState.PAIRING, WAState.TIMEOUT]);

/** The link while a ready session's connection state moves; null when nothing changes. */
export function stateAfterChange(state: string, phone: E164 | null): LinkState | null {
  if (state === WAState.CONNECTED) return { status: "connected", phone };
  if (RECONNECTING_STATES.has(state)) return { status: "connecting", phone, reason: `WhatsApp Web is reconnecting (${state})` };
  return null;
}

/** whatsapp-web.js' ack numbers as the shared steps (session/receipts.ts says what each means). */
const STEPS: ReadonlyMap<MessageAck, AckStep> = new Map([
  [MessageAck.ACK_ERROR, "error"],
  [MessageAck.ACK_PENDING, "pending"],
  [MessageAck.ACK_SERVER, "server"],
  [MessageAck.ACK_DEVICE, "device"],
  [MessageAck.ACK_READ, "read"],
  [MessageAck.ACK_PLAYED, "played"],
]);

export function receiptStatus(ack: MessageAck): ReceiptStatus | null {
  return receiptOf(STEPS.get(ack) ?? null);
}

/** Why a client could not start: `initialize()` rejected (bare strings included). */
export function initFailureState(error: unknown, phone: E164 | null): LinkState {
  const message = describe(error);
  const reason = /net::ERR_/.test(message)
    ? `WhatsApp Web could not be reached from this server (${message})`
    : `WhatsApp Web could not be started: ${message}`;
  return { status: "failed", phone, reason };
}

/** whatsapp-web.js also throws bare strings ('auth timeout', 'ready timeout'). */
export const describe: (error: unknown) => string = messageOf;
