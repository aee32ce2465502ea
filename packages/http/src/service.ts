import type { AddressInfo } from "node:net";
import { createServer, type Server } from "node:http";
import type { Logger as Pino } from "pino";
import type { RelanceEngine, Transport } from "@relance/core";
import type { StorageBackend } from "@relance/adapters";
import type { Hono } from "hono";
import type { ServiceConfig } from "./config/env.js";
import { buildContainer, resolved, type ContainerOverrides } from "./composition/container.js";
import { TOKENS } from "./composition/tokens.js";
import type { SandboxWorld } from "./composition/sandbox-world.js";
import { createLogger } from "./observability/logger.js";
import { createHttpServer } from "./server/http-server.js";
import type { ServiceMetrics } from "./observability/metrics.js";

export interface RunningService {
  app: Hono;
  engine: RelanceEngine;
  storage: StorageBackend;
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

/** Builds everything from the configuration (the container), starts the jobs and listens. */
export async function startService(config: ServiceConfig, options: StartOptions = {}): Promise<RunningService> {
  const logger = options.logger ?? createLogger(config.LOG_LEVEL);
  for (const warning of config.warnings ?? []) logger.warn({ config: "deprecated" }, warning);
  const service = await resolved(buildContainer(config, logger, options.overrides), TOKENS.Service);
  const { app, engine, storage, transport, sandbox, metrics } = service;
  service.start();
  if (transport.name === "sandbox") {
    logger.warn(
      { transport: "sandbox", nodeEnv: config.NODE_ENV },
      "SANDBOX TRANSPORT: /api/relance/sandbox/* is unauthenticated and changes any referrer's state; test data only, never expose this instance",
    );
  }

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
        const listener = server as Server | null;
        if (listener) await new Promise<void>((resolve) => listener.close(() => resolve()));
        if (metricsServer) await new Promise<void>((resolve) => metricsServer.close(() => resolve()));
        await service.stop();
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
