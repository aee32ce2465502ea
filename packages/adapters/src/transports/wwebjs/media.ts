import type { MediaItem } from "@relance/core";
import { MessageMedia } from "./library.js";

export type LoadMedia = (item: MediaItem) => Promise<MessageMedia>;

const DOWNLOAD_TIMEOUT_MS = 60_000;

const MIME_BY_EXTENSION: Record<string, string> = {
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  png: "image/png",
  webp: "image/webp",
  gif: "image/gif",
  mp4: "video/mp4",
  "3gp": "video/3gpp",
  mov: "video/quicktime",
  mp3: "audio/mpeg",
  ogg: "audio/ogg",
  opus: "audio/ogg",
  m4a: "audio/mp4",
  aac: "audio/aac",
  pdf: "application/pdf",
};

const GENERIC_TYPES = new Set(["", "application/octet-stream", "binary/octet-stream"]);

/**
 * Downloads a media item into a `MessageMedia`. Not `MessageMedia.fromUrl`: that one never looks
 * at the HTTP status, so a 404 or 500 page would be sent to the referral as the "image", and it
 * has no timeout.
 */
export const loadMediaFromUrl: LoadMedia = async (item) => {
  const url = new URL(item.url);
  const response = await fetch(url, { signal: AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS), redirect: "follow" });
  if (!response.ok) throw new Error(`media download failed: HTTP ${response.status} for ${url.href}`);
  const data = Buffer.from(await response.arrayBuffer());
  const filename = decodeURIComponent(url.pathname.split("/").pop() || "file");
  const headerType = (response.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  const extension = filename.includes(".") ? filename.split(".").pop()!.toLowerCase() : "";
  const mimetype = GENERIC_TYPES.has(headerType) ? (MIME_BY_EXTENSION[extension] ?? "application/octet-stream") : headerType;
  return new MessageMedia(mimetype, data.toString("base64"), filename, data.length);
};
