import { SenderRestrictedError, type E164, type Logger, type OutgoingMessage, type PresenceState, type SendContext, type SendResult } from "@relance/core";
import { mediaContent, messageIdFor, textContent } from "./content.js";
import { phoneJid } from "./jid.js";
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
    const results = await sock.onWhatsApp(phoneJid(phone));
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
  const jid = to ? ((await session.addressBook.jidOf(to)) ?? phoneJid(to)) : undefined;
  try {
    if (jid && state === "composing") await sock.presenceSubscribe(jid);
    await sock.sendPresenceUpdate(state, jid);
  } catch (error) {
    throw deps.failure(`presence ${state}${to ? ` to ${to}` : ""}`, error, true);
  }
}

/** The day's text then its media; never rejects once the text has left (see the port). */
export async function sendDay({ session, sock }: OpenSession, message: OutgoingMessage, context: SendContext, deps: SendingDeps): Promise<SendResult> {
  const { name, referrerUserId } = deps;
  const restriction = session.restriction;
  if (restriction) {
    throw new SenderRestrictedError(`[${name}] the WhatsApp account of ${referrerUserId} is restricted: ${restriction.reason}`, restriction);
  }
  const jid = (await session.addressBook.jidOf(message.to)) ?? phoneJid(message.to);
  let media;
  try {
    // Before the text: a media that cannot be fetched fails the attempt, nothing sent.
    media = await Promise.all(message.media.map(async (item) => mediaContent(item, await deps.downloadMedia(item))));
  } catch (error) {
    throw new Error(`[${name}] media for ${message.to} could not be downloaded: ${messageOf(error)}`, { cause: error });
  }
  const parts = [textContent(message.text), ...media];
  const ids: string[] = [];
  const mediaFailures: string[] = [];
  for (const [index, content] of parts.entries()) {
    const messageId = messageIdFor(context.idempotencyKey, index);
    try {
      const sent = await sock.sendMessage(jid, content, { messageId });
      ids.push(sent?.key.id ?? messageId);
      // Kept for retry receipts (see sent-messages.ts); never rejects.
      if (sent?.message) await session.sentMessages.remember(sent.key.id ?? messageId, sent.message);
      if (index === 0) void learnLid({ session, sock }, message.to, jid, deps);
    } catch (error) {
      if (index === 0) throw deps.failure(`sending the text to ${message.to}`, error, true);
      // The text already left: rejecting now would make dispatch send the whole day again.
      mediaFailures.push(`media ${index}/${message.media.length}: ${messageOf(error)}`);
    }
  }
  return {
    messageId: ids[0]!,
    mediaMessageIds: ids.slice(1),
    ...(mediaFailures.length > 0 ? { partialFailure: `[${name}] text sent to ${message.to}, but ${mediaFailures.join("; ")}` } : {}),
  };
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
