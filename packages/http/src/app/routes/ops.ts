import { Hono } from "hono";
import type { AppServices } from "../services.js";
import { openApiDocument } from "../../openapi.js";

/** Liveness, readiness, metrics and the API description, at the server root. */
export function opsRoutes(services: AppServices) {
  const app = new Hono();
  app.get("/health", (c) => c.json({ status: "ok" }));

  app.get("/ready", async (c) => {
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

  app.get("/metrics", async (c) => {
    const body = await services.metrics.registry.metrics();
    return c.body(body, 200, { "content-type": services.metrics.registry.contentType });
  });

  app.get("/openapi.json", (c) => c.json(openApiDocument()));
  return app;
}
