export { createBaileysTransport, sessionIdOf, type BaileysTransportOptions } from "./transport";
export { useStorageAuthState, type StorageAuthState, type StorageAuthStateOptions } from "./auth-state";
export { DEFAULT_RECONNECT, type ReconnectSettings } from "./disconnect-policy";
export type { BaileysSocket, MakeBaileysSocket, SocketContext } from "./socket";
