import type { Logger as Pino } from "pino";
import type { Directory, RelanceEngine } from "@relance/core";
import type { ManualClock, ReencryptionReport, SandboxPopulation, SandboxTransport, StoredDirectory } from "@relance/adapters";
import type { ServiceMetrics } from "../observability/metrics.js";
import type { ServiceCredentials } from "./auth.js";
import type { RateLimitSettings } from "./rate-limits.js";

/**
 * Atomic capped counters shared by every instance on the same store: the HTTP edge's rate limits
 * and spent connect-link ids (the composition root passes the storage's counters).
 */
export interface SharedCounters {
  /** Adds 1 unless the count reached `cap`; the new count, or null at the cap. */
  tryIncrement(owner: string, key: string, cap: number): Promise<number | null>;
  get(owner: string, key: string): Promise<number>;
  decrement(owner: string, key: string): Promise<void>;
  /** Deletes the counters of owners starting with `ownerPrefix` whose key sorts before `before`. */
  purgeBefore(ownerPrefix: string, before: string): Promise<number>;
}

/**
 * What the HTTP layer needs from the composition root. It reads nothing from storage itself:
 * everything goes through the engine's use cases (a test keeps it so).
 */
export interface AppServices {
  engine: RelanceEngine;
  /** The shared counters behind the rate limits and single-use connect links. */
  counters: SharedCounters;
  /** Resolves once the store answers (readiness). */
  pingStorage(): Promise<void>;
  metrics: ServiceMetrics;
  logger: Pino;
  secrets: { jwt: string } & ServiceCredentials;
  bodyLimitBytes: number;
  /** Longest lifetime a JWT may claim (`exp` − `iat`), in seconds; default 24 h. */
  jwtMaxTtlSeconds?: number;
  /** `RELANCE_JWT_AUDIENCE`: when set, API tokens must carry it in `aud`. */
  jwtAudience?: string | null;
  /** `RELANCE_JWT_ISSUER`: when set, API tokens must carry it in `iss`. */
  jwtIssuer?: string | null;
  /** `RELANCE_PUBLIC_URL`: the origin (and path prefix) of every absolute link; never the Host header. */
  publicUrl?: string;
  /** How long `POST /connect` waits for a QR, a pairing code or a link before answering 202; default 2 s. */
  connectWaitMs?: number;
  /** The referrers' profiles (the connect page names the account it links). */
  directory?: Directory;
  /** `RELANCE_DEFAULT_COUNTRY`: reads pushed national numbers when the referrer's own number is unknown. */
  defaultCountry?: string | null;
  /** Set in push mode: `/internal/subscriptions` and `/internal/referrals` feed it. */
  directoryFeed: StoredDirectory | null;
  /** Set only with the sandbox transport: every `/sandbox/*` path is 404 otherwise. */
  sandbox: { transport: SandboxTransport; clock: ManualClock; population: SandboxPopulation } | null;
  /** Failed-authentication and connect limits; none when absent (embedders, some tests). */
  rateLimits?: RateLimitSettings;
  /** Open status streams allowed per account and in all (default 5 and 1000). */
  streamLimits?: { perUser: number; total: number };
  /** Re-encrypts every stored session blob with the current session key (key rotation). */
  reencryptSessions(): Promise<ReencryptionReport>;
  /** True while the scheduled jobs are running (readiness). */
  jobsRunning(): boolean;
}
