export { createBaileysTransport, sessionIdOf, type BaileysTransportOptions } from "./transport.js";
export { useStorageAuthState, type StorageAuthState, type StorageAuthStateOptions } from "./auth-state.js";
export { DEFAULT_RECONNECT, type ReconnectSettings } from "./disconnect-policy.js";
export type { BaileysSocket, MakeBaileysSocket, SocketContext } from "./socket.js";
export { DEFAULT_BROWSER } from "./socket.js";
export { createMediaDownloader, DEFAULT_MEDIA_MAX_BYTES, DEFAULT_MEDIA_TIMEOUT_MS, type DownloadMedia, type MediaDownloadLimits } from "./media-download.js";
export { BAKED_WA_VERSION, type FetchWaVersion } from "./wa-version.js";
export { DEFAULT_RESTRICTION_HOLD_MS } from "./restrictions.js";
