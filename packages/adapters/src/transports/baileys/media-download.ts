import type { MediaItem } from "@relance/core";
import { createMediaFetcher, DEFAULT_MEDIA_MAX_BYTES, DEFAULT_MEDIA_TIMEOUT_MS, type MediaFetchOptions } from "../media/index.js";

export { DEFAULT_MEDIA_MAX_BYTES, DEFAULT_MEDIA_TIMEOUT_MS };

/** Fetches a media item's bytes; injectable so tests and embedding services choose the network. */
export type DownloadMedia = (item: MediaItem) => Promise<Buffer>;

/** Time and byte caps (default 60 s, 16 MiB), redirects, and hosts allowed on private addresses. */
export type MediaDownloadLimits = MediaFetchOptions;

/**
 * Downloads before anything is sent, through the shared SSRF-safe fetcher, and hands Baileys the
 * Buffer. Given `{ url }`, Baileys would fetch it itself with no timeout, no size cap and no
 * address check (lib/Utils/messages-media.js:297-304). A failure here, before the text leaves,
 * is an ordinary failed attempt; after the text, a partial one.
 */
export function createMediaDownloader(limits: MediaDownloadLimits = {}): DownloadMedia {
  const fetchMedia = createMediaFetcher(limits);
  return async (item) => (await fetchMedia(item.url)).data;
}
