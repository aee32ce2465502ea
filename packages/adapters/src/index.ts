export { SystemClock } from "./clock/system-clock.js";
export { ManualClock, type ManualClockOptions } from "./clock/manual-clock.js";
export { LogNotifier } from "./notifier/log-notifier.js";
export { ManualScheduler } from "./scheduler/manual-scheduler.js";
export { CronScheduler } from "./scheduler/cron-scheduler.js";
export { ClockScheduler } from "./scheduler/clock-scheduler.js";
export { StoredDirectory } from "./directory/stored-directory.js";
export { SandboxTransport, type OutboxItem, type SandboxTransportOptions } from "./transports/sandbox/sandbox-transport.js";
export {
  SandboxPopulation,
  DEFAULT_POPULATION,
  POPULATION_DELAYS,
  POPULATION_REPLIES,
  payInstant,
  type PopulationBehaviour,
  type PopulationSettings,
  type PopulationTick,
  type SandboxPopulationDependencies,
} from "./transports/sandbox/population.js";
export { qrDataUrl, qrTerminal } from "./qr/render-qr.js";
export { createMemoryStorage } from "./storage/memory/index.js";
export type { DirectoryRepository, SessionEntry, SessionEntryRef, SessionRepository, StorageBackend, StoredReferrer } from "./ports/index.js";
export { createSessionCipher, sessionCipherFromEnv, SessionCryptoError, type SessionCipher } from "./crypto/session-cipher.js";
export { SessionPool, type PooledSession, type SessionPoolOptions } from "./transports/pool/session-pool.js";
export { HttpDirectory, type HttpDirectoryOptions } from "./directory/http-directory.js";
export { isInternationalForm, isPhoneCountry, readMobileNumber, type PhoneProblem, type PhoneReading, type PhoneRegion } from "./directory/phone-numbers.js";
export { WebhookNotifier, verifyWebhookSignature, signWebhookPayload, type WebhookNotifierOptions } from "./notifier/webhook-notifier.js";
export { keyIdOf } from "./crypto/session-cipher.js";
export { reencryptSessions, type ReencryptionReport } from "./crypto/session-reencryption.js";
export { createMediaFetcher, isPublicAddress, MediaFetchError, type FetchedMedia, type FetchMedia, type MediaFetchOptions } from "./transports/media/index.js";
export { maskPersonalData, maskPhoneNumbers } from "./logging/personal-data.js";
