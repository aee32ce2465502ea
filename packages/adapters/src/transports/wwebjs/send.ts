import type { OutgoingMessage, SendContext, SendResult } from "@relance/core";
import type { WwebjsClient } from "./client-factory.js";
import { withTimeout } from "./deferred.js";
import { describe } from "./events.js";
import type { Message } from "./library.js";
import type { LoadMedia } from "./media.js";
import { sendDayParts } from "../session/send-day.js";

export interface SendDayInput {
  client: WwebjsClient;
  /** The number check's id for the recipient when known, else `<digits>@c.us`. */
  chatId: string;
  loadMedia: LoadMedia;
  message: OutgoingMessage;
  context: SendContext;
  /** How long the text may take to leave before its outcome is unknown. */
  sendTimeoutMs: number;
  /** Whether the session is still the connected one (a failure is then the send's own). */
  stillConnected(): boolean;
  /** Called once the text has left. */
  afterText(): void;
}

/**
 * One day's message by the shared rule (session/send-day.ts): media fetched first, the text, then
 * each media. The text's own outcomes are whatsapp-web.js': a send WhatsApp Web does not report
 * as gone in time, or a browser gone mid-send, is "outcome unknown", never resent.
 */
export async function sendDay(input: SendDayInput): Promise<SendResult> {
  const { client, chatId, message, context } = input;
  return sendDayParts({
    transport: "wwebjs",
    to: message.to,
    media: message.media,
    fetch: (item) => input.loadMedia(item),
    sendText: async () => {
      let sent: Message | undefined;
      try {
        // sendSeen false: the library would otherwise mark the referral's chat read on the
        // referrer's phone (and send read receipts) before every relance.
        // waitUntilMsgSent: without it the call resolves once the message is added to the local
        // chat, not once it left (Client.js:1470; Utils.js:576-581 awaits sendMsgResultPromise only then).
        // linkPreview false: WhatsApp Web would otherwise fetch every payment link (Client.js:1456).
        const sending = client.sendMessage(chatId, message.text, { sendSeen: false, linkPreview: false, waitUntilMsgSent: true }) as Promise<Message | undefined>;
        const outcome = await orTimeout(sending, input.sendTimeoutMs);
        if (outcome === TIMED_OUT) {
          // Added to the chat, maybe queued in WhatsApp Web, not reported as gone: it may still leave.
          return {
            messageId: `unknown:${context.idempotencyKey}`,
            mediaMessageIds: [],
            partialFailure: `[wwebjs] WhatsApp Web did not report the text to ${message.to} as sent within ${input.sendTimeoutMs} ms: outcome unknown, not resent`,
          };
        }
        sent = outcome;
      } catch (error) {
        if (input.stillConnected()) throw error;
        // The browser went away during the call: the text may have left. At most once per day
        // wins, so this counts as sent with an unknown outcome rather than as "nothing left".
        return {
          messageId: `unknown:${context.idempotencyKey}`,
          mediaMessageIds: [],
          partialFailure: `[wwebjs] the session closed while the text to ${message.to} was being sent (${describe(error)}): outcome unknown, not resent`,
        };
      }
      // Client.js:1539-1558: the page found no chat for the id, or WhatsApp Web's send returned
      // nothing. Nothing left, so this is a plain failed attempt.
      if (!sent) throw new Error(`WhatsApp Web did not send the message (no chat could be opened for ${message.to})`);
      input.afterText();
      return sent.id._serialized;
    },
    sendMedia: async (content, item) => {
      const sentMedia = (await withTimeout(
        client.sendMessage(chatId, content, {
          sendSeen: false,
          waitUntilMsgSent: true,
          ...(item.caption ? { caption: item.caption } : {}),
          sendMediaAsDocument: item.type === "document",
        }),
        input.sendTimeoutMs,
      )) as Message | undefined;
      if (!sentMedia) throw new Error("WhatsApp Web did not send it");
      return sentMedia.id._serialized;
    },
  });
}

const TIMED_OUT = Symbol("timed out");

function orTimeout<T>(promise: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([promise, new Promise<typeof TIMED_OUT>((resolve) => (timer = setTimeout(() => resolve(TIMED_OUT), ms)))]).finally(() => clearTimeout(timer));
}
