import { createHash } from "node:crypto";
import type { AnyMessageContent } from "@whiskeysockets/baileys";
import type { MediaItem } from "@relance/core";

/**
 * A WhatsApp message id derived from the send's idempotency key, in the shape Baileys generates
 * (`3EB0` + 18 uppercase hex, as `generateMessageIDV2`): a retried send reuses its ids, so the
 * recipient's phone can recognise the duplicate and receipts keep matching.
 */
export function messageIdFor(idempotencyKey: string, part: number): string {
  const digest = createHash("sha256").update(`relance:${idempotencyKey}#${part}`).digest("hex");
  return `3EB0${digest.toUpperCase().slice(0, 18)}`;
}

/**
 * Without a preview: Baileys would fetch the payment link's page through `link-preview-js`, which
 * is not installed (lib/Utils/link-preview.js:24 logs a warning on every send), and `linkPreview:
 * null` skips it (lib/Utils/messages.js:278-280). A preview would also have the server fetch
 * whatever URL an admin put in a template.
 */
export function textContent(text: string): AnyMessageContent {
  return { text, linkPreview: null };
}

/** The media downloaded beforehand (`data`): Baileys then uploads it without fetching anything. */
export function mediaContent(item: MediaItem, data: Buffer): AnyMessageContent {
  const caption = item.caption ? { caption: item.caption } : {};
  switch (item.type) {
    case "image":
      return { image: data, ...caption };
    case "video":
      return { video: data, ...caption };
    case "document": {
      const { mimetype, fileName } = documentMeta(item.url);
      return { document: data, mimetype, fileName, ...caption };
    }
    case "audio":
      // WhatsApp shows no caption under audio: it is dropped rather than sent as a second message.
      return { audio: data, mimetype: audioMimetype(item.url) };
  }
}

// WhatsApp requires a mimetype for documents and uses it to pick the viewer on the phone.
const DOCUMENT_TYPES: Record<string, string> = {
  pdf: "application/pdf",
  doc: "application/msword",
  docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  xls: "application/vnd.ms-excel",
  xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  ppt: "application/vnd.ms-powerpoint",
  pptx: "application/vnd.openxmlformats-officedocument.presentationml.presentation",
  odt: "application/vnd.oasis.opendocument.text",
  ods: "application/vnd.oasis.opendocument.spreadsheet",
  odp: "application/vnd.oasis.opendocument.presentation",
  rtf: "application/rtf",
  txt: "text/plain",
  csv: "text/csv",
  zip: "application/zip",
  epub: "application/epub+zip",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  png: "image/png",
  mp4: "video/mp4",
  mp3: "audio/mpeg",
};

const AUDIO_TYPES: Record<string, string> = {
  mp3: "audio/mpeg",
  ogg: "audio/ogg; codecs=opus",
  opus: "audio/ogg; codecs=opus",
  m4a: "audio/mp4",
  aac: "audio/aac",
  amr: "audio/amr",
};

/** Mimetype and file name shown to the recipient, from the URL's last path segment. */
export function documentMeta(url: string): { mimetype: string; fileName: string } {
  const fileName = lastSegment(url) || "document";
  return { mimetype: DOCUMENT_TYPES[extensionOf(fileName)] ?? "application/octet-stream", fileName };
}

function audioMimetype(url: string): string {
  return AUDIO_TYPES[extensionOf(lastSegment(url))] ?? "audio/mpeg";
}

function lastSegment(url: string): string {
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    path = url.split(/[?#]/)[0] ?? "";
  }
  const segment = path.split("/").filter(Boolean).at(-1) ?? "";
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function extensionOf(fileName: string): string {
  const dot = fileName.lastIndexOf(".");
  return dot > 0 ? fileName.slice(dot + 1).toLowerCase() : "";
}
