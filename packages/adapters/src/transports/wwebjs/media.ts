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

export interface MediaLoaderOptions {
  /** The whole download, headers and body. Default 60 s. */
  timeoutMs?: number;
  /** Larger media are refused before they are read whole. Default 64 MB (WhatsApp's video limit). */
  maxBytes?: number;
}

export const DEFAULT_MEDIA_MAX_BYTES = 64 * 1024 * 1024;

/**
 * Downloads a media item into a `MessageMedia`. Not `MessageMedia.fromUrl`: that one never looks
 * at the HTTP status, so a 404 or 500 page would be sent to the referral as the "image", and it
 * has neither a timeout nor a size limit (MessageMedia.js, `fromUrl`): a hanging or huge URL would
 * hold the send until its claim expires, or fill the memory.
 */
export function createMediaLoader(options: MediaLoaderOptions = {}): LoadMedia {
  const timeoutMs = options.timeoutMs ?? DOWNLOAD_TIMEOUT_MS;
  const maxBytes = options.maxBytes ?? DEFAULT_MEDIA_MAX_BYTES;
  return async (item) => {
    const url = new URL(item.url);
    // The signal also aborts reading the body: a server that stalls mid-body times out too.
    const signal = AbortSignal.timeout(timeoutMs);
    let data: Buffer;
    let response: Response;
    try {
      response = await fetch(url, { signal, redirect: "follow" });
      if (!response.ok) {
        await response.body?.cancel().catch(() => undefined);
        throw new Error(`media download failed: HTTP ${response.status} for ${url.href}`);
      }
      data = await readCapped(response, maxBytes, url);
    } catch (error) {
      if (signal.aborted) throw new Error(`media download failed: no complete answer within ${timeoutMs} ms for ${url.href}`, { cause: error });
      throw error;
    }
    const filename = decodeURIComponent(url.pathname.split("/").pop() || "file");
    const headerType = (response.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
    const extension = filename.includes(".") ? filename.split(".").pop()!.toLowerCase() : "";
    const mimetype = GENERIC_TYPES.has(headerType) ? (MIME_BY_EXTENSION[extension] ?? "application/octet-stream") : headerType;
    return new MessageMedia(mimetype, data.toString("base64"), filename, data.length);
  };
}

export const loadMediaFromUrl: LoadMedia = createMediaLoader();

async function readCapped(response: Response, maxBytes: number, url: URL): Promise<Buffer> {
  const tooLarge = () => new Error(`media download failed: larger than ${maxBytes} bytes for ${url.href}`);
  const declared = Number(response.headers.get("content-length") ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    throw tooLarge();
  }
  if (!response.body) return Buffer.alloc(0);
  const reader = response.body.getReader();
  const parts: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    parts.push(value);
  }
  return Buffer.concat(parts);
}
