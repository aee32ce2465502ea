import { isStopReply } from "@relance/core";

/**
 * Replies from a LID (WhatsApp's privacy id) no phone number is known for yet: both drivers keep
 * them, encrypted with the session, until the library maps the LID (Baileys calls them parked,
 * whatsapp-web.js pending). One rule bounds that list for both.
 */

/** Most replies a session keeps waiting for a number. */
export const MAX_LID_REPLIES = 500;
/** A waiting reply older than this goes (it holds a stranger's text, and a mapping that late is unlikely). */
export const LID_REPLY_TTL_MS = 30 * 24 * 60 * 60_000;

/** What the rule needs to know of a waiting reply, whatever its stored shape. */
export interface LidReplyView {
  /** When it arrived, epoch ms (NaN: unknown, never expires). */
  atMs: number;
  text: string;
}

export interface Bounded<T> {
  kept: T[];
  /** How many expired. */
  expired: number;
  /** How many were dropped to stay within MAX_LID_REPLIES. */
  overflow: number;
}

export function isExpiredLidReply(view: LidReplyView, now: Date): boolean {
  return Number.isFinite(view.atMs) && now.getTime() - view.atMs > LID_REPLY_TTL_MS;
}

/**
 * The waiting list after expiry and the bound, oldest first. Over the bound, the oldest reply that
 * is not an opt-out goes first, so that anyone writing the referrer from unmapped LIDs cannot push
 * a target's STOP out; only a list of nothing but STOPs loses its oldest.
 */
export function boundLidReplies<T>(replies: readonly T[], now: Date, view: (reply: T) => LidReplyView): Bounded<T> {
  const kept = replies.filter((reply) => !isExpiredLidReply(view(reply), now));
  const expired = replies.length - kept.length;
  let overflow = 0;
  while (kept.length > MAX_LID_REPLIES) {
    const oldestChat = kept.findIndex((reply) => !isStopReply(view(reply).text));
    kept.splice(oldestChat >= 0 ? oldestChat : 0, 1);
    overflow++;
  }
  return { kept, expired, overflow };
}
