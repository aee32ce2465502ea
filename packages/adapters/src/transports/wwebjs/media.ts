import type { MediaItem } from "@relance/core";
import { createMediaFetcher, type MediaFetchOptions } from "../media/index.js";
import { MessageMedia } from "./library.js";

export type LoadMedia = (item: MediaItem) => Promise<MessageMedia>;

/** Time and byte caps (default 60 s, 64 MB: WhatsApp's video limit), redirects, hosts allowed on private addresses. */
export type MediaLoaderOptions = MediaFetchOptions;

export const DEFAULT_MEDIA_MAX_BYTES = 64 * 1024 * 1024;

/**
 * Downloads a media item into a `MessageMedia` through the shared SSRF-safe fetcher. Not
 * `MessageMedia.fromUrl`: that one never looks at the HTTP status (a 404 page would be sent as the
 * "image"), follows redirects anywhere, and has neither a timeout nor a size limit.
 */
export function createMediaLoader(options: MediaLoaderOptions = {}): LoadMedia {
  const fetchMedia = createMediaFetcher({ maxBytes: DEFAULT_MEDIA_MAX_BYTES, ...options });
  return async (item) => {
    const { data, contentType, filename } = await fetchMedia(item.url);
    return new MessageMedia(contentType, data.toString("base64"), filename, data.length);
  };
}

export const loadMediaFromUrl: LoadMedia = createMediaLoader();
