import type { Logger as Pino } from "pino";
import type { RelanceEngine, RelanceStorage } from "@relance/core";
import type { ManualClock, SandboxTransport, StoredDirectory } from "@relance/adapters";
import type { ServiceMetrics } from "../observability/metrics.js";

/** What the HTTP layer needs from the composition root. */
export interface AppServices {
  engine: RelanceEngine;
  storage: RelanceStorage;
  metrics: ServiceMetrics;
  logger: Pino;
  secrets: { jwt: string; service: string };
  bodyLimitBytes: number;
  /** Longest lifetime a JWT may claim (`exp` − `iat`), in seconds; default 24 h. */
  jwtMaxTtlSeconds?: number;
  /** How long `POST /connect` waits for a QR, a pairing code or a link before answering 202; default 2 s. */
  connectWaitMs?: number;
  /** Set in push mode: `/internal/subscriptions` and `/internal/referrals` feed it. */
  directoryFeed: StoredDirectory | null;
  /** Set only with the sandbox transport: every `/sandbox/*` path is 404 otherwise. */
  sandbox: { transport: SandboxTransport; clock: ManualClock } | null;
  /** True while the scheduled jobs are running (readiness). */
  jobsRunning(): boolean;
}
