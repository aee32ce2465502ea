export { createWwebjsTransport, WwebjsTransport, type WwebjsTransportOptions } from "./transport.js";
export { clientIdOf, sessionIdOf } from "./session-ids.js";
export { createRealWwebjsClient, CHROMIUM_ARGS, type CreateWwebjsClient, type WwebjsClient, type WwebjsClientOptions } from "./client-factory.js";
export { createRemoteAuthStore, ARCHIVE_KEY, CLOSED_BY_REFERRER_KEY, type RemoteAuthStore, type RemoteAuthStoreOptions } from "./remote-auth-store.js";
export { createGuardedRemoteAuth, INITIAL_BACKUP_DELAY_MS } from "./guarded-remote-auth.js";
export { loadMediaFromUrl, type LoadMedia } from "./media.js";
