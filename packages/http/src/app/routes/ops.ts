import { Hono } from "hono";
import { documented } from "../../openapi/describe";
import { OPERATIONS as doc } from "../../openapi/operations";
import type { AppServices } from "../services";

/** Liveness, readiness and metrics, at the server root (the API document is served by the app). */
export function opsRoutes(services: AppServices) {
  const app = new Hono();
  app.get("/health", documented(doc.health), (c) => c.json({ status: "ok" }));

  app.get("/ready", documented(doc.ready), async (c) => {
    const checks: Record<string, string> = {};
    try {
      await services.storage.ping();
      checks.storage = "up";
    } catch {
      checks.storage = "down";
    }
    checks.scheduler = services.jobsRunning() ? "up" : "down";
    const ready = Object.values(checks).every((v) => v === "up");
    return c.json({ status: ready ? "ready" : "not_ready", checks }, ready ? 200 : 503);
  });

  app.get("/metrics", documented(doc.metrics), async (c) => {
    const body = await services.metrics.registry.metrics();
    return c.body(body, 200, { "content-type": services.metrics.registry.contentType });
  });
  return app;
}
