import type { IncomingChat, IncomingKind, IncomingShape } from "../session/reply-classifier.js";
import type { Message } from "./library.js";

/**
 * `Message.type` (whatsapp-web.js src/util/Constants.js:85-124) in the shared classifier's terms.
 * `message` is emitted for every type but `gp2` (Client.js:648-665, 1129-1136), WhatsApp's own
 * notices included, whose `body` is '' (structures/Message.js:55-57): only what a person sends is
 * a reply. For media, `body` is the caption (Message.js:55-57).
 */
const KIND_OF_TYPE: Record<string, IncomingKind> = {
  chat: "text",
  list_response: "text",
  buttons_response: "text",
  template_button_reply: "text",
  image: "caption",
  video: "caption",
  document: "caption",
  album: "caption",
  audio: "voice",
  ptt: "voice",
  sticker: "sticker",
  location: "location",
  vcard: "contact",
  multi_vcard: "contact",
  reaction: "reaction",
  poll_creation: "media",
  e2e_notification: "notice",
  notification_template: "notice",
  notification: "notice",
  call_log: "notice",
  gp2: "notice",
  group_notification: "notice",
  broadcast_notification: "notice",
  debug: "notice",
  protocol: "protocol",
  revoked: "revoke",
  ciphertext: "undecrypted",
};

export function shapeOfWwebjs(message: Message): IncomingShape {
  return { kind: KIND_OF_TYPE[message.type] ?? "unknown", chat: chatOf(message), fromMe: message.fromMe, text: message.body };
}

/** A `message_edit` (Client.js:958-975): the message with its new text. */
export function shapeOfWwebjsEdit(message: Message, newBody: string): IncomingShape {
  return { kind: "edit", chat: chatOf(message), fromMe: message.fromMe, text: newBody };
}

function chatOf(message: Message): IncomingChat {
  const from = message.from ?? "";
  if (message.isStatus || from === "status@broadcast") return "status";
  if (from.endsWith("@newsletter")) return "newsletter";
  if (message.broadcast || from.endsWith("@broadcast")) return "broadcast";
  if (from.endsWith("@g.us")) return "group";
  return "person";
}
