import { TransportUnavailableError, phoneDigits, type E164, type OutgoingMessage, type PresenceState, type SendContext, type SendResult } from "@relance/core";
import { callFailure } from "../session/failure.js";
import { MediaFetchError } from "../session/send-day.js";
import { WAState } from "./library.js";
import type { Live } from "./live.js";
import type { WwebjsRuntime } from "./runtime.js";
import { sendDay } from "./send.js";

export async function isOnWhatsApp(rt: WwebjsRuntime, referrerUserId: string, phone: E164): Promise<boolean> {
  const live = requireConnected(rt, referrerUserId);
  const check = async () => {
    try {
      return await live.client.getNumberId(phoneDigits(phone));
    } catch (error) {
      throw failure(rt, live, `number check of ${phone}`, error);
    }
  };
  // The page answers null both for a number with no account and for a query that got no answer
  // (Client.js:2229-2236): "not on WhatsApp" ends the target for good, so a null is believed only
  // from a connected WhatsApp Web, and only the second time.
  let id = await check();
  if (id === null) {
    const socket = await live.client.getState().catch(() => null);
    if (socket !== WAState.CONNECTED) {
      throw new TransportUnavailableError(`[wwebjs] number check of ${phone} got no answer: WhatsApp Web is ${socket ?? "unreachable"}`, "connecting");
    }
    id = await check();
  }
  // WhatsApp's id can differ from the number (Brazil's 9th digit): it is the one to write to,
  // and the one replies come from.
  if (id) rt.background(live.inbox.rememberCanonical(phone, id._serialized), "could not keep the WhatsApp id of a number");
  return id !== null;
}

export async function sendPresence(rt: WwebjsRuntime, referrerUserId: string, state: PresenceState, to?: E164): Promise<void> {
  const live = requireConnected(rt, referrerUserId);
  try {
    if (!to) {
      await (state === "available" ? live.client.sendPresenceAvailable() : live.client.sendPresenceUnavailable());
      return;
    }
    const chat = await live.client.getChatById(await live.inbox.chatIdOf(to));
    await (state === "composing" ? chat.sendStateTyping() : chat.clearState());
  } catch (error) {
    throw failure(rt, live, `presence ${state}${to ? ` to ${to}` : ""}`, error);
  }
}

export async function send(rt: WwebjsRuntime, referrerUserId: string, message: OutgoingMessage, context: SendContext): Promise<SendResult> {
  const live = requireConnected(rt, referrerUserId);
  try {
    const chatId = await live.inbox.chatIdOf(message.to);
    return await sendDay({
      client: live.client,
      chatId,
      loadMedia: rt.loadMedia,
      message,
      context,
      sendTimeoutMs: rt.options.sendTimeoutMs ?? 60_000,
      stillConnected: () => rt.isCurrent(live) && rt.getState(referrerUserId).status === "connected",
      afterText: () => rt.background(live.inbox.afterSend(chatId), "could not match waiting LID replies"),
    });
  } catch (error) {
    // Nothing left and the session is fine: an ordinary failed attempt (the shared rule's wording).
    if (error instanceof MediaFetchError) throw error;
    throw failure(rt, live, `send to ${message.to}`, error);
  }
}

function requireConnected(rt: WwebjsRuntime, referrerUserId: string): Live {
  const live = rt.current.get(referrerUserId);
  const state = rt.getState(referrerUserId);
  if (!live || !live.ready || state.status !== "connected") {
    throw new TransportUnavailableError(`[wwebjs] the session of ${referrerUserId} is ${state.status}`, state.status);
  }
  rt.pool.get(referrerUserId);
  return live;
}

/** A failure is an outage (TransportUnavailableError) only when the session went away meanwhile. */
function failure(rt: WwebjsRuntime, live: Live, action: string, error: unknown): Error {
  const { status } = rt.getState(live.referrerUserId);
  const unavailable = !rt.isCurrent(live) || status !== "connected";
  return callFailure({ transport: "wwebjs", action, error, unavailable, status, detail: `the session of ${live.referrerUserId} is ${status}` });
}
