import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { z } from "zod";
import { secureHeaders } from "hono/secure-headers";
import { errorBody, toErrorResponse } from "./errors.js";
import { authFailureLimit } from "./rate-limits.js";
import { jsonBodiesOnly } from "./input.js";
import { adminRoutes } from "./routes/admin.js";
import { adminConsoleRoutes } from "./routes/admin-console.js";
import { internalRoutes } from "./routes/internal.js";
import { opsRoutes } from "./routes/ops.js";
import { referrerRoutes } from "./routes/referrer.js";
import { sandboxRoutes } from "./routes/sandbox.js";
import type { AppServices } from "./services.js";
import { answer, operations } from "./operation.js";
import { openApiDocument } from "../openapi/document.js";
import { pageRoutes } from "../pages/routes.js";

export const API_PREFIX = "/api/relance";

/** The HTTP contract of `shared/relance-http-api.md`, over the engine. Thin: no rule lives here. */
export function createApp(services: AppServices): Hono {
  const app = new Hono();
  const { logger, metrics } = services;

  app.use("*", secureHeaders({ contentSecurityPolicy: undefined }));
  app.use("*", async (c, next) => {
    const started = performance.now();
    await next();
    const route = c.req.routePath || "unmatched";
    metrics.httpRequests.inc({ method: c.req.method, route, status: String(c.res.status) });
    // The path only: a query may carry an access token.
    logger.debug({ method: c.req.method, path: c.req.path, status: c.res.status, ms: Math.round(performance.now() - started) }, "http request");
  });
  // A 413 is answered before the body is read, and the server then drops the connection rather
  // than read megabytes it will refuse: saying so keeps keep-alive clients from reusing it.
  app.use("*", async (c, next) => {
    await next();
    if (c.res.status === 413) c.header("connection", "close");
  });
  if (services.rateLimits) app.use("*", authFailureLimit(services.rateLimits, services.counters));
  app.use(
    `${API_PREFIX}/*`,
    bodyLimit({
      maxSize: services.bodyLimitBytes,
      onError: (c) => c.json(errorBody("payload_too_large", `Request body is over ${services.bodyLimitBytes} bytes`), 413),
    }),
  );

  app.use(`${API_PREFIX}/*`, jsonBodiesOnly());

  app.route("/", opsRoutes(services));
  app.route("/", pageRoutes(services));
  app.route(`${API_PREFIX}/admin`, adminRoutes(services));
  // After adminRoutes: its admin guard (registered on admin/*) runs first for these routes too.
  app.route(`${API_PREFIX}/admin`, adminConsoleRoutes(services));
  app.route(`${API_PREFIX}/internal`, internalRoutes(services));
  app.route(`${API_PREFIX}/sandbox`, sandboxRoutes(services));
  app.route(API_PREFIX, referrerRoutes(services));

  // Generated from the routes above, once, on first request.
  let document: Promise<Record<string, unknown>> | null = null;
  app.get("/openapi.json", operations({ summary: "This document", responses: { 200: answer("OpenAPI 3.1", z.record(z.string(), z.unknown())) } }), async (c) => {
    document ??= openApiDocument(app, API_PREFIX, { sandbox: services.sandbox !== null }).catch((error: unknown) => {
      document = null;
      throw error;
    });
    return c.json(await document);
  });

  app.notFound((c) => c.json(errorBody("not_found", `No route for ${c.req.method} ${c.req.path}`), 404));
  app.onError((error, c) =>
    toErrorResponse(c, error, (e, status) => logger.error({ err: e instanceof Error ? { name: e.name, message: e.message, stack: e.stack } : String(e), status, path: c.req.path }, "request failed")),
  );
  return app;
}
