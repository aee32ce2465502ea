import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import type { Logger as Pino } from "pino";
import type { RelanceEngine, RelanceStorage, Transport } from "@relance/core";
import type { ManualClock, SandboxTransport, StoredDirectory } from "@relance/adapters";
import type { Hono } from "hono";
import { createApp } from "./app/app.js";
import type { ServiceConfig } from "./config/env.js";
import { buildContainer, type ContainerOverrides } from "./composition/container.js";
import { TOKENS } from "./composition/tokens.js";
import { createLogger } from "./observability/logger.js";
import { createHttpServer } from "./server/http-server.js";
import type { ServiceMetrics } from "./observability/metrics.js";

export interface RunningService {
  app: Hono;
  engine: RelanceEngine;
  storage: RelanceStorage;
  transport: Transport;
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
  engine.subscribe((event) => {
    if (event.type === "status") metrics.linkStatusChanged(event.referrerUserId, event.status.status);
  });
  let jobsRunning = false;
  if (config.RELANCE_JOBS === "on") {
    engine.start();
    jobsRunning = true;
  }
  const sandbox = transport.name === "sandbox" ? { transport: transport as SandboxTransport, clock: container.get<ManualClock>(TOKENS.Clock) } : null;
  const app = createApp({
    engine,
    storage,
    metrics,
    logger,
    secrets: config.secrets,
    bodyLimitBytes: config.RELANCE_BODY_LIMIT_BYTES,
    jwtMaxTtlSeconds: config.RELANCE_JWT_MAX_TTL_SECONDS,
    connectWaitMs: config.RELANCE_CONNECT_WAIT_MS,
    directoryFeed: container.get<StoredDirectory | null>(TOKENS.DirectoryFeed),
    sandbox,
    jobsRunning: () => jobsRunning || config.RELANCE_JOBS === "off",
  });

  let server: Server | null = null;
  let url: string | null = null;
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
    url,
    close: () =>
      (closing ??= (async () => {
        jobsRunning = false;
        const listener = server as Server | null;
        if (listener) await new Promise<void>((resolve) => listener.close(() => resolve()));
        await engine.stop();
        await transport.close();
        await storage.close();
        logger.info({}, "relance service stopped");
      })()),
  };
}
