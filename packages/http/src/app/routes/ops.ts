import { Hono } from "hono";
import { requireService } from "../auth.js";
import { answer, operations, serviceOperations } from "../operation.js";
import { HealthResponse, ReadyResponse } from "../response-schemas.js";
import type { AppServices } from "../services.js";

/** How long readiness waits for the storage's ping. */
export const READY_TIMEOUT_MS = 2_000;

async function answersWithin(ping: () => Promise<void>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([ping().then(() => true, () => false), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Liveness, readiness and metrics, at the server root (the API document is served by the app). */
export function opsRoutes(services: AppServices) {
  const app = new Hono();
  app.get("/health", operations({ summary: "Liveness", responses: { 200: answer("alive", HealthResponse) } }), (c) => c.json({ status: "ok" }));

  app.get("/ready", operations({ summary: "Readiness: storage and scheduler", responses: { 200: answer("ready", ReadyResponse), 503: answer("not ready", ReadyResponse) } }), async (c) => {
    const checks: Record<string, string> = {};
    // A frozen storage (or a driver waiting for a server to select) must not hold the probe:
    // no answer within READY_TIMEOUT_MS is "down".
    checks.storage = (await answersWithin(() => services.pingStorage(), READY_TIMEOUT_MS)) ? "up" : "down";
    checks.scheduler = services.jobsRunning() ? "up" : "down";
    const ready = Object.values(checks).every((v) => v === "up");
    return c.json({ status: ready ? "ready" : "not_ready", checks }, ready ? 200 : 503);
  });

  // Names, counts and link states of every sender: the service secret (scope "metrics"), or the
  // separate RELANCE_METRICS_PORT listener for a scraper on a private network.
  app.get("/metrics", requireService(services.secrets, () => "metrics"), serviceOperations({
      summary: "Prometheus metrics (service secret; or unauthenticated on RELANCE_METRICS_PORT)",
      responses: { 200: { description: "Prometheus text format", media: "text/plain" } },
    }),
    async (c) => {
    const body = await services.metrics.registry.metrics();
    return c.body(body, 200, { "content-type": services.metrics.registry.contentType });
  });
  return app;
}
