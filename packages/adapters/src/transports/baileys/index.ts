export { createBaileysTransport, sessionIdOf, type BaileysTransportOptions } from "./transport.js";
export { useStorageAuthState, type StorageAuthState, type StorageAuthStateOptions } from "./auth-state.js";
export { DEFAULT_RECONNECT, type ReconnectSettings } from "./disconnect-policy.js";
export type { BaileysSocket, MakeBaileysSocket, SocketContext } from "./socket.js";
