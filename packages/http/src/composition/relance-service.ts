import type { Logger as Pino } from "pino";
import type { Hono } from "hono";
import type { Directory, RelanceEngine, Transport } from "@relance/core";
import type { StorageBackend } from "@relance/adapters";
import { reencryptSessions, type SessionCipher, type StoredDirectory } from "@relance/adapters";
import { createApp } from "../app/app.js";
import type { ServiceConfig } from "../config/env.js";
import { asCoreLogger } from "../observability/logger.js";
import type { ServiceMetrics } from "../observability/metrics.js";
import type { SandboxWorld } from "./sandbox-world.js";

/** The service, assembled: the HTTP app over the engine, and the order it starts and stops in. */
export interface ComposedService {
  app: Hono;
  engine: RelanceEngine;
  storage: StorageBackend;
  transport: Transport;
  metrics: ServiceMetrics;
  sandbox: SandboxWorld | null;
  /** Starts the scheduled jobs (`RELANCE_JOBS=on`) and, during a key rotation, the re-encryption. */
  start(): void;
  /** Jobs, then sessions, then the engine's listening, then the store (see `stop`'s comment). */
  stop(): Promise<void>;
}

export interface ServiceParts {
  config: ServiceConfig;
  logger: Pino;
  engine: RelanceEngine;
  storage: StorageBackend;
  transport: Transport;
  metrics: ServiceMetrics;
  cipher: SessionCipher;
  directory: Directory;
  directoryFeed: StoredDirectory | null;
  sandbox: SandboxWorld | null;
}

/** The one place the service is put together from the resolved graph (the container's `Service`). */
export function composeService(parts: ServiceParts): ComposedService {
  const { config, logger, engine, storage, transport, metrics, cipher, sandbox } = parts;
  const coreLogger = asCoreLogger(logger);
  engine.subscribe((event) => {
    if (event.type === "status") metrics.linkStatusChanged(event.referrerUserId, event.status.status);
  });
  transport.subscribe((event) => metrics.transportEvent(event));
  let jobsRunning = false;
  const app = createApp({
    engine,
    counters: storage.counters,
    pingStorage: () => storage.ping(),
    metrics,
    logger,
    secrets: config.secrets,
    bodyLimitBytes: config.RELANCE_BODY_LIMIT_BYTES,
    jwtMaxTtlSeconds: config.RELANCE_JWT_MAX_TTL_SECONDS,
    jwtAudience: config.RELANCE_JWT_AUDIENCE ?? null,
    jwtIssuer: config.RELANCE_JWT_ISSUER ?? null,
    // Links are built on the configured public address; without one (development, tests), on the
    // service's own local address — never on a request's Host header.
    publicUrl: config.RELANCE_PUBLIC_URL ?? `http://localhost:${config.PORT}`,
    streamLimits: { perUser: config.RELANCE_SSE_MAX_PER_USER, total: config.RELANCE_SSE_MAX_TOTAL },
    rateLimits: {
      authFailures: config.RELANCE_AUTH_FAILURE_LIMIT,
      connect: config.RELANCE_CONNECT_RATE_LIMIT,
      store: config.RELANCE_RATE_LIMIT_STORE,
      trustProxy: config.RELANCE_TRUST_PROXY,
    },
    connectWaitMs: config.RELANCE_CONNECT_WAIT_MS,
    directoryFeed: parts.directoryFeed,
    directory: parts.directory,
    defaultCountry: config.RELANCE_DEFAULT_COUNTRY ?? null,
    sandbox,
    reencryptSessions: async () => {
      const report = await reencryptSessions(storage.sessions, cipher, { logger: coreLogger });
      // The blobs under the old key must not stay readable in the live files (the SQLite WAL).
      if (report.reencrypted > 0) await storage.reclaim?.();
      return report;
    },
    jobsRunning: () => jobsRunning || config.RELANCE_JOBS === "off",
  });

  return {
    app,
    engine,
    storage,
    transport,
    metrics,
    sandbox,
    start() {
      if (config.RELANCE_JOBS !== "on") return;
      if (cipher.keyCount > 1) {
        // A rotation is under way: move every stored session to the new key now, not when each loads.
        void reencryptSessions(storage.sessions, cipher, { logger: coreLogger }).catch((error: unknown) =>
          logger.error({ err: error instanceof Error ? error.message : String(error) }, "session re-encryption failed"),
        );
      }
      engine.start();
      jobsRunning = true;
    },
    async stop() {
      jobsRunning = false;
      // Jobs first (a send in flight finishes); then the sessions close while the engine still
      // listens, so that a reply they surface while closing is handled and acknowledged; only
      // then does the engine stop listening.
      await engine.stopJobs();
      await transport.close();
      await engine.stop();
      await storage.close();
    },
  };
}
