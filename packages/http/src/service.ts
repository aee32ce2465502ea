import type { AddressInfo } from "node:net";
import { createServer, type Server } from "node:http";
import type { Logger as Pino } from "pino";
import type { Directory, RelanceEngine, RelanceStorage, Transport } from "@relance/core";
import { reencryptSessions, type ManualClock, type SandboxTransport, type SessionCipher, type StoredDirectory } from "@relance/adapters";
import type { Hono } from "hono";
import { createApp } from "./app/app.js";
import type { ServiceConfig } from "./config/env.js";
import { buildContainer, type ContainerOverrides } from "./composition/container.js";
import { TOKENS } from "./composition/tokens.js";
import { asCoreLogger, createLogger } from "./observability/logger.js";
import { createHttpServer } from "./server/http-server.js";
import { sandboxWorld, type SandboxWorld } from "./composition/sandbox-world.js";
import type { ServiceMetrics } from "./observability/metrics.js";

export interface RunningService {
  app: Hono;
  engine: RelanceEngine;
  storage: RelanceStorage;
  transport: Transport;
  /** The simulated world (clock, recipients) with the sandbox transport; null otherwise. */
  sandbox: SandboxWorld | null;
  /** `http://host:port` once listening (`listen: true`). */
  url: string | null;
  /** Stops jobs (letting a send in flight finish), closes sessions, storage and the listener. */
  close(): Promise<void>;
}

export interface StartOptions {
  /** Open the HTTP listener (default true); false to use `app.fetch` directly in tests. */
  listen?: boolean;
  logger?: Pino;
  overrides?: ContainerOverrides;
}

/** Builds everything from the configuration, initialises storage, starts the jobs and listens. */
export async function startService(config: ServiceConfig, options: StartOptions = {}): Promise<RunningService> {
  const logger = options.logger ?? createLogger(config.LOG_LEVEL);
  const container = await buildContainer(config, logger, options.overrides);
  const storage = container.get<RelanceStorage>(TOKENS.Storage);
  await storage.init();
  const engine = container.get<RelanceEngine>(TOKENS.Engine);
  const transport = container.get<Transport>(TOKENS.Transport);
  const metrics = container.get<ServiceMetrics>(TOKENS.Metrics);
  const cipher = container.get<SessionCipher>(TOKENS.SessionCipher);
  if (cipher.keyCount > 1 && config.RELANCE_JOBS === "on") {
    // A rotation is under way: move every stored session to the new key now, not when each loads.
    void reencryptSessions(storage.sessions, cipher, { logger: asCoreLogger(logger) }).catch((error: unknown) =>
      logger.error({ err: error instanceof Error ? error.message : String(error) }, "session re-encryption failed"),
    );
  }
  engine.subscribe((event) => {
    if (event.type === "status") metrics.linkStatusChanged(event.referrerUserId, event.status.status);
  });
  transport.subscribe((event) => metrics.transportEvent(event));
  let jobsRunning = false;
  if (config.RELANCE_JOBS === "on") {
    engine.start();
    jobsRunning = true;
  }
  if (transport.name === "sandbox") {
    logger.warn(
      { transport: "sandbox", nodeEnv: config.NODE_ENV },
      "SANDBOX TRANSPORT: /api/relance/sandbox/* is unauthenticated and changes any referrer's state; test data only, never expose this instance",
    );
  }
  const sandbox = transport.name === "sandbox" ? sandboxWorld(transport as SandboxTransport, container.get<ManualClock>(TOKENS.Clock), engine, storage) : null;
  const app = createApp({
    engine,
    storage,
    metrics,
    logger,
    secrets: config.secrets,
    bodyLimitBytes: config.RELANCE_BODY_LIMIT_BYTES,
    jwtMaxTtlSeconds: config.RELANCE_JWT_MAX_TTL_SECONDS,
    jwtAudience: config.RELANCE_JWT_AUDIENCE ?? null,
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
    directoryFeed: container.get<StoredDirectory | null>(TOKENS.DirectoryFeed),
    directory: container.get<Directory>(TOKENS.Directory),
    defaultCountry: config.RELANCE_DEFAULT_COUNTRY ?? null,
    sandbox,
    reencryptSessions: async () => {
      const report = await reencryptSessions(storage.sessions, cipher, { logger: asCoreLogger(logger) });
      // The blobs under the old key must not stay readable in the live files (the SQLite WAL).
      if (report.reencrypted > 0) await storage.reclaim?.();
      return report;
    },
    jobsRunning: () => jobsRunning || config.RELANCE_JOBS === "off",
  });

  let server: Server | null = null;
  let url: string | null = null;
  const metricsServer = options.listen !== false && config.RELANCE_METRICS_PORT ? await listenForMetrics(metrics, config.RELANCE_METRICS_HOST, config.RELANCE_METRICS_PORT) : null;
  if (options.listen !== false) {
    const listening = createHttpServer(app, config.HOST);
    server = listening;
    await new Promise<void>((resolve, reject) => {
      listening.once("error", reject);
      listening.listen(config.PORT, config.HOST, () => {
        const info = listening.address() as AddressInfo;
        const host = info.address === "0.0.0.0" || info.address === "::" ? "localhost" : info.family === "IPv6" ? `[${info.address}]` : info.address;
        url = `http://${host}:${info.port}`;
        listening.off("error", reject);
        resolve();
      });
    });
  }
  logger.info({ url, storage: storage.name, transport: transport.name, directory: config.RELANCE_DIRECTORY, jobs: config.RELANCE_JOBS }, "relance service started");

  let closing: Promise<void> | null = null;
  return {
    app,
    engine,
    storage,
    transport,
    sandbox,
    url,
    close: () =>
      (closing ??= (async () => {
        jobsRunning = false;
        const listener = server as Server | null;
        if (listener) await new Promise<void>((resolve) => listener.close(() => resolve()));
        if (metricsServer) await new Promise<void>((resolve) => metricsServer.close(() => resolve()));
        // Jobs first (a send in flight finishes); then the sessions close while the engine still
        // listens, so that a reply they surface while closing is handled and acknowledged; only
        // then does the engine stop listening.
        await engine.stopJobs();
        await transport.close();
        await engine.stop();
        await storage.close();
        logger.info({}, "relance service stopped");
      })()),
  };
}

/**
 * `RELANCE_METRICS_PORT`: the metrics alone, without credentials, on a listener of their own (bind
 * it to a private interface with RELANCE_METRICS_HOST); the main port keeps them behind the secret.
 */
async function listenForMetrics(metrics: ServiceMetrics, host: string, port: number): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.method !== "GET" || (req.url ?? "").split("?")[0] !== "/metrics") {
      res.writeHead(404).end();
      return;
    }
    metrics.registry.metrics().then(
      (body) => res.writeHead(200, { "content-type": metrics.registry.contentType }).end(body),
      () => res.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  return server;
}
