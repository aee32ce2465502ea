export { createWwebjsTransport, WwebjsTransport, type WwebjsTransportOptions } from "./transport.js";
export { clientIdOf, sessionIdOf } from "./session-ids.js";
export {
  createRealWwebjsClient,
  CHROMIUM_ARGS,
  PINNED_WEB_VERSION,
  WEB_VERSION_ARCHIVE_URL,
  webVersionPin,
  type CreateWwebjsClient,
  type WebVersionPin,
  type WebVersionSettings,
  type WwebjsClient,
  type WwebjsClientOptions,
} from "./client-factory.js";
export type { ActiveContacts } from "./inbox.js";
export { createRemoteAuthStore, ARCHIVE_KEY, CLOSED_BY_REFERRER_KEY, type RemoteAuthStore, type RemoteAuthStoreOptions } from "./remote-auth-store.js";
export { createGuardedRemoteAuth, INITIAL_BACKUP_DELAY_MS } from "./guarded-remote-auth.js";
export { createMediaLoader, loadMediaFromUrl, type LoadMedia, type MediaLoaderOptions } from "./media.js";
