import type { MediaItem } from "@relance/core";

/** Fetches a media item's bytes; injectable so tests and embedding services choose the network. */
export type DownloadMedia = (item: MediaItem) => Promise<Buffer>;

export interface MediaDownloadLimits {
  /** Whole download, headers to last byte (default 60 s). */
  timeoutMs?: number;
  /** Largest body accepted (default 16 MiB, WhatsApp's own limit for images and most videos). */
  maxBytes?: number;
}

export const DEFAULT_MEDIA_TIMEOUT_MS = 60_000;
export const DEFAULT_MEDIA_MAX_BYTES = 16 * 1024 * 1024;

/**
 * Downloads before anything is sent, with a timeout and a size cap. Given `{ url }`, Baileys
 * would fetch it itself with neither (lib/Utils/messages-media.js:297-304): a URL that hangs
 * would hold the send until the claim expires, and a huge one would fill the memory. A failure
 * here, before the text leaves, is an ordinary failed attempt; after the text, a partial one.
 */
export function createMediaDownloader(limits: MediaDownloadLimits = {}): DownloadMedia {
  const timeoutMs = limits.timeoutMs ?? DEFAULT_MEDIA_TIMEOUT_MS;
  const maxBytes = limits.maxBytes ?? DEFAULT_MEDIA_MAX_BYTES;
  return async (item) => {
    const url = new URL(item.url);
    if (url.protocol !== "https:" && url.protocol !== "http:") throw new Error(`media URL must be http(s): ${url.protocol}`);
    const signal = AbortSignal.timeout(timeoutMs);
    const response = await fetch(url, { signal, redirect: "follow" });
    if (!response.ok) throw new Error(`media download failed: HTTP ${response.status} for ${url.origin}${url.pathname}`);
    const declared = Number(response.headers.get("content-length"));
    if (Number.isFinite(declared) && declared > maxBytes) {
      await response.body?.cancel();
      throw new Error(`media too large: ${declared} bytes (limit ${maxBytes})`);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of response.body ?? []) {
      size += chunk.byteLength;
      if (size > maxBytes) throw new Error(`media too large: over ${maxBytes} bytes`);
      chunks.push(Buffer.from(chunk));
    }
    return Buffer.concat(chunks);
  };
}
