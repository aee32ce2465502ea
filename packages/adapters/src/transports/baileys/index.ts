export { createBaileysTransport, sessionIdOf, type BaileysTransportOptions } from "./transport";
export { useStorageAuthState, type StorageAuthState, type StorageAuthStateOptions } from "./auth-state";
export { DEFAULT_RECONNECT, type ReconnectSettings } from "./disconnect-policy";
export type { BaileysSocket, MakeBaileysSocket, SocketContext } from "./socket";
export { DEFAULT_BROWSER } from "./socket";
export { createMediaDownloader, DEFAULT_MEDIA_MAX_BYTES, DEFAULT_MEDIA_TIMEOUT_MS, type DownloadMedia, type MediaDownloadLimits } from "./media-download";
export { BAKED_WA_VERSION, type FetchWaVersion } from "./wa-version";
export { DEFAULT_RESTRICTION_HOLD_MS } from "./restrictions";
