export { createMediaFetcher, DEFAULT_MEDIA_MAX_BYTES, DEFAULT_MEDIA_TIMEOUT_MS, MediaFetchError, type FetchedMedia, type FetchMedia, type MediaFetchOptions } from "./safe-fetch.js";
export { isPublicAddress } from "./address-policy.js";
