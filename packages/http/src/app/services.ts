import type { Logger as Pino } from "pino";
import type { Directory, RelanceEngine, RelanceStorage } from "@relance/core";
import type { ManualClock, ReencryptionReport, SandboxPopulation, SandboxTransport, StoredDirectory } from "@relance/adapters";
import type { ServiceMetrics } from "../observability/metrics.js";
import type { ServiceCredentials } from "./auth.js";
import type { RateLimitSettings } from "./rate-limits.js";

/** What the HTTP layer needs from the composition root. */
export interface AppServices {
  engine: RelanceEngine;
  storage: RelanceStorage;
  metrics: ServiceMetrics;
  logger: Pino;
  secrets: { jwt: string } & ServiceCredentials;
  bodyLimitBytes: number;
  /** Longest lifetime a JWT may claim (`exp` − `iat`), in seconds; default 24 h. */
  jwtMaxTtlSeconds?: number;
  /** `RELANCE_JWT_AUDIENCE`: when set, API tokens must carry it in `aud`. */
  jwtAudience?: string | null;
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
