export { createWwebjsTransport, WwebjsTransport, type WwebjsTransportOptions } from "./transport";
export { clientIdOf, sessionIdOf } from "./session-ids";
export { createRealWwebjsClient, CHROMIUM_ARGS, type CreateWwebjsClient, type WwebjsClient, type WwebjsClientOptions } from "./client-factory";
export { createRemoteAuthStore, ARCHIVE_KEY, CLOSED_BY_REFERRER_KEY, type RemoteAuthStore, type RemoteAuthStoreOptions } from "./remote-auth-store";
export { createGuardedRemoteAuth, INITIAL_BACKUP_DELAY_MS } from "./guarded-remote-auth";
export { loadMediaFromUrl, type LoadMedia } from "./media";
