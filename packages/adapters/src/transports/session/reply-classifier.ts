/**
 * One reading of an incoming message for every transport (domain rules, "Replies in any shape"):
 * anything the person sent in a 1:1 chat is a reply, and STOP is read wherever they typed words
 * (text, a caption, an edit's new text). What they did not send (WhatsApp's notices, protocol
 * messages, revokes, stubs) and what is not a person's 1:1 chat (status, groups, broadcasts,
 * newsletters, our own devices) is not. Each driver maps its library's message to an
 * `IncomingShape`; this table alone decides.
 */

/** What the message is, in library-neutral terms. */
export type IncomingKind =
  | "text"
  | "caption"
  | "edit"
  | "media"
  | "voice"
  | "sticker"
  | "location"
  | "contact"
  | "reaction"
  | "notice"
  | "protocol"
  | "revoke"
  | "stub"
  | "undecrypted"
  | "unknown";

/** Where the message was posted. */
export type IncomingChat = "person" | "group" | "status" | "broadcast" | "newsletter";

export interface IncomingShape {
  kind: IncomingKind;
  chat: IncomingChat;
  /** Sent by the account itself (the referrer's phone or another of their devices). */
  fromMe: boolean;
  /** The words the person typed: the text, the caption, the edit's new text, a reaction's emoji. */
  text?: string | null;
}

export type ReplyReading = { reply: true; text: string } | { reply: false; why: string };

/**
 * Per kind: whether it is a reply, and the text handed to the engine. `words` kinds carry what
 * the person typed (STOP is read there); the others carry a label, never a STOP, so that the
 * engine knows a person answered and the referrer is told what kind of answer it was.
 */
const KINDS: Record<IncomingKind, { reply: true; words: true } | { reply: true; label: string } | { reply: false; why: string }> = {
  text: { reply: true, words: true },
  caption: { reply: true, words: true },
  edit: { reply: true, words: true },
  media: { reply: true, label: "[media]" },
  voice: { reply: true, label: "[voice message]" },
  sticker: { reply: true, label: "[sticker]" },
  location: { reply: true, label: "[location]" },
  contact: { reply: true, label: "[contact]" },
  // Its emoji is the text (never a STOP); an emoji taken back is no answer.
  reaction: { reply: true, label: "[reaction]" },
  notice: { reply: false, why: "a WhatsApp notice, not sent by the person" },
  protocol: { reply: false, why: "a protocol message" },
  revoke: { reply: false, why: "a deleted message" },
  stub: { reply: false, why: "a WhatsApp stub, not sent by the person" },
  // Not dropped for good by the drivers: read again once WhatsApp could decrypt it.
  undecrypted: { reply: false, why: "not decrypted yet" },
  unknown: { reply: false, why: "an unknown message type" },
};

/** Decides whether a message is a reply, and its text. */
export function readReply(shape: IncomingShape): ReplyReading {
  if (shape.fromMe) return { reply: false, why: "sent from the account itself" };
  if (shape.chat !== "person") return { reply: false, why: `a ${shape.chat} message` };
  const rule = KINDS[shape.kind];
  if (!rule.reply) return rule;
  if ("label" in rule) {
    if (shape.kind === "reaction") return shape.text ? { reply: true, text: shape.text } : { reply: false, why: "a reaction removed" };
    return { reply: true, text: rule.label };
  }
  const text = shape.text ?? "";
  // A caption-less image reads as media; an empty text or edit carries nothing a person wrote.
  if (text.trim() !== "") return { reply: true, text };
  return shape.kind === "caption" ? { reply: true, text: "[media]" } : { reply: false, why: "no text" };
}
