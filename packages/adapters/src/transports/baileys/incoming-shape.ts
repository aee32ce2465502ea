import { isJidBroadcast, isJidGroup, isJidNewsletter, isJidStatusBroadcast, normalizeMessageContent, proto, type WAMessage } from "@whiskeysockets/baileys";
import type { IncomingChat, IncomingShape } from "../session/reply-classifier.js";

type Content = proto.IMessage;

/**
 * A Baileys message in the shared classifier's terms. The content is unwrapped first
 * (ephemeral, view-once, document-with-caption wrappers: lib/Utils/messages.js:638-662). An edit
 * arrives as its own upsert carrying `protocolMessage` MESSAGE_EDIT with the new `editedMessage`
 * (lib/Socket/chats.js:917-918 upserts every message), and Baileys also reports it as a
 * `messages.update` of the original id (lib/Utils/process-message.js:364-380): it is read here,
 * from the upsert, which carries the sender's key, and only here, so it counts once.
 */
export function shapeOfBaileys(message: WAMessage): IncomingShape {
  const base = { chat: chatOf(message.key.remoteJid), fromMe: message.key.fromMe === true };
  const content = normalizeMessageContent(message.message);
  if (!content) return { ...base, kind: message.messageStubType ? "stub" : "unknown" };
  const protocol = content.protocolMessage;
  if (protocol) {
    if (protocol.type === proto.Message.ProtocolMessage.Type.MESSAGE_EDIT && protocol.editedMessage) {
      const edited = normalizeMessageContent(protocol.editedMessage);
      return { ...base, kind: "edit", text: edited ? (wordsOf(edited) ?? captionOf(edited)) : null };
    }
    return { ...base, kind: protocol.type === proto.Message.ProtocolMessage.Type.REVOKE ? "revoke" : "protocol" };
  }
  const words = wordsOf(content);
  if (words !== null) return { ...base, kind: "text", text: words };
  if (content.imageMessage || content.videoMessage || content.documentMessage || content.ptvMessage) return { ...base, kind: "caption", text: captionOf(content) };
  if (content.audioMessage) return { ...base, kind: "voice" };
  if (content.stickerMessage) return { ...base, kind: "sticker" };
  if (content.locationMessage || content.liveLocationMessage) return { ...base, kind: "location" };
  if (content.contactMessage || content.contactsArrayMessage) return { ...base, kind: "contact" };
  if (content.reactionMessage) return { ...base, kind: "reaction", text: content.reactionMessage.text };
  if (message.messageStubType) return { ...base, kind: "stub" };
  return { ...base, kind: "unknown" };
}

/** What the person typed or picked: a text, or a button / list / template answer's label. */
function wordsOf(content: Content): string | null {
  return (
    content.conversation ||
    content.extendedTextMessage?.text ||
    content.buttonsResponseMessage?.selectedDisplayText ||
    content.listResponseMessage?.title ||
    content.templateButtonReplyMessage?.selectedDisplayText ||
    null
  );
}

function captionOf(content: Content): string | null {
  return content.imageMessage?.caption || content.videoMessage?.caption || content.documentMessage?.caption || content.ptvMessage?.caption || null;
}

function chatOf(jid: string | null | undefined): IncomingChat {
  const id = jid ?? undefined;
  if (id && isJidStatusBroadcast(id)) return "status";
  if (isJidNewsletter(id)) return "newsletter";
  if (isJidBroadcast(id)) return "broadcast";
  if (isJidGroup(id)) return "group";
  return "person";
}
