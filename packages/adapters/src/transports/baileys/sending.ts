import { SenderRestrictedError, type E164, type Logger, type OutgoingMessage, type PresenceState, type SendContext, type SendResult } from "@relance/core";
import type { AnyMessageContent } from "@whiskeysockets/baileys";
import { mediaContent, messageIdFor, textContent } from "./content.js";
import { sendDayParts } from "../session/send-day.js";
import { phoneJid } from "../session/jid.js";
import type { DownloadMedia } from "./media-download.js";
import type { BaileysSession } from "./session.js";
import type { BaileysSocket } from "./socket.js";
import { messageOf } from "../session/error-message.js";

/** A session that can send now, with its socket. */
export interface OpenSession {
  session: BaileysSession;
  sock: BaileysSocket;
}

export interface SendingDeps {
  /** The transport's name, prefixing errors. */
  name: string;
  referrerUserId: string;
  logger: Logger;
  downloadMedia: DownloadMedia;
  /** A failed library call as the port's error: unavailable (dispatch holds) or retryable. */
  failure(what: string, error: unknown, nothingSent: boolean): Error;
}

/** Is the number on WhatsApp; the account's own JID is kept for sending and matching replies. */
export async function checkNumber({ session, sock }: OpenSession, phone: E164, deps: SendingDeps): Promise<boolean> {
  let found;
  try {
    // Baileys leaves numbers without an account out of the result instead of `exists: false`.
    const results = await sock.onWhatsApp(phoneJid(phone, "s.whatsapp.net"));
    // No answer is not "no account": exiting the target as invalid_number would be final.
    if (!results) throw new Error("no answer to the number check");
    found = results.find((result) => result.exists);
  } catch (error) {
    throw deps.failure(`checking ${phone}`, error, true);
  }
  // The account's own JID may differ from the number's digits (Brazil's ninth digit): it is
  // what we send to and what replies come from.
  if (found) await session.addressBook.remember(phone, { jid: found.jid });
  return found !== undefined;
}

/**
 * With `markOnlineOnConnect: false` Baileys announces `unavailable` on open (lib/Socket/chats.js:1065),
 * and a contact only sees "typing…" from an account that is available and subscribed to
 * (Baileys #866): hence `available` first, then per message a subscription and `composing`.
 */
export async function updatePresence({ session, sock }: OpenSession, state: PresenceState, to: E164 | undefined, deps: SendingDeps): Promise<void> {
  const jid = to ? await session.addressBook.jidOf(to) : undefined;
  try {
    if (jid && state === "composing") await sock.presenceSubscribe(jid);
    await sock.sendPresenceUpdate(state, jid);
  } catch (error) {
    throw deps.failure(`presence ${state}${to ? ` to ${to}` : ""}`, error, true);
  }
}

/** The day's text then its media, by the shared rule (session/send-day.ts). */
export async function sendDay({ session, sock }: OpenSession, message: OutgoingMessage, context: SendContext, deps: SendingDeps): Promise<SendResult> {
  const { name, referrerUserId } = deps;
  const restriction = session.restriction;
  if (restriction) {
    throw new SenderRestrictedError(`[${name}] the WhatsApp account of ${referrerUserId} is restricted: ${restriction.reason}`, restriction);
  }
  const jid = await session.addressBook.jidOf(message.to);
  // One id per part, derived from the idempotency key (content.ts): a retry reuses them.
  const sendPart = async (content: AnyMessageContent, part: number): Promise<string> => {
    const messageId = messageIdFor(context.idempotencyKey, part);
    const sent = await sock.sendMessage(jid, content, { messageId });
    // Kept for retry receipts (see sent-messages.ts); never rejects.
    if (sent?.message) await session.sentMessages.remember(sent.key.id ?? messageId, sent.message);
    return sent?.key.id ?? messageId;
  };
  return sendDayParts({
    transport: name,
    to: message.to,
    media: message.media,
    fetch: async (item) => mediaContent(item, await deps.downloadMedia(item)),
    sendText: async () => {
      let id: string;
      try {
        id = await sendPart(textContent(message.text), 0);
      } catch (error) {
        throw deps.failure(`sending the text to ${message.to}`, error, true);
      }
      void learnLid({ session, sock }, message.to, jid, deps);
      return id;
    },
    sendMedia: (content, _item, index) => sendPart(content, index + 1),
  });
}

/** The LID this contact will likely reply from, so that a reply without its phone still matches. */
async function learnLid({ session, sock }: OpenSession, phone: E164, jid: string, deps: SendingDeps): Promise<void> {
  try {
    const lid = await sock.signalRepository.lidMapping.getLIDForPN(jid);
    if (lid) await session.addressBook.remember(phone, { jid, lid });
  } catch (error) {
    deps.logger.debug({ referrerUserId: deps.referrerUserId, err: messageOf(error) }, "baileys LID lookup failed");
  }
}
