import type { Hono } from "hono";
import { generateSpecs } from "hono-openapi";
import { ErrorResponse, StatsResponse, StatusResponse, TargetResponse } from "../app/response-schemas.js";
import { jsonSchema } from "./zod-vendor.js";

const error = (description: string, code: string, message: string, details?: unknown) => ({
  description,
  content: {
    "application/json": {
      schema: { $ref: "#/components/schemas/Error" },
      example: { error: { code, message, ...(details !== undefined ? { details } : {}) } },
    },
  },
});

/**
 * The OpenAPI 3.1 document of `app`, generated from the routes it serves: each one's
 * declaration (app/input.ts for its parts, app/operation.ts for its description).
 */
export async function openApiDocument(app: Hono, apiPrefix: string, options: { sandbox?: boolean } = {}): Promise<Record<string, unknown>> {
  const document = await generateSpecs(app, {
    documentation: {
      openapi: "3.1.0",
      info: {
        title: "Relance API",
        version: "0.1.0",
        description:
          "WhatsApp follow-up sequences (relances) for a referral platform. Every error is `{\"error\": {\"code\", \"message\", \"details\"?}}`; " +
          "timestamps are ISO-8601 in UTC. Referrer and admin calls carry an HS256 JWT (`sub`, `exp` required, `role: admin` for admin calls, " +
          "lifetime at most RELANCE_JWT_MAX_TTL_SECONDS); internal calls carry the service secret and `X-Service-Name`.",
      },
      tags: [
        { name: "referrer", description: "A referrer's own WhatsApp link, settings, targets and stats (JWT)" },
        { name: "admin", description: "Day messages and global stats (JWT with role admin)" },
        { name: "internal", description: "Service-to-service calls (service secret and X-Service-Name)" },
        { name: "sandbox", description: "Simulated WhatsApp, only with RELANCE_TRANSPORT=sandbox (404 otherwise)" },
        { name: "operations", description: "Liveness, readiness, metrics, this document, the connect page" },
      ],
      components: {
        securitySchemes: {
          bearerJwt: { type: "http", scheme: "bearer", bearerFormat: "JWT", description: "HS256 with RELANCE_JWT_SECRET; `sub` is the user id, `exp` is required; `role: admin` for admin endpoints" },
          serviceSecret: { type: "http", scheme: "bearer", description: "RELANCE_SERVICE_SECRET as the bearer token (compared in constant time), together with X-Service-Name" },
          serviceName: { type: "apiKey", in: "header", name: "X-Service-Name", description: "the calling service's name, e.g. user-service" },
        },
        schemas: {
          Error: jsonSchema(ErrorResponse, "output"),
          Status: jsonSchema(StatusResponse, "output"),
          Stats: jsonSchema(StatsResponse, "output"),
          Target: jsonSchema(TargetResponse, "output"),
        },
        responses: {
          BadRequest: error(
            "invalid_request: body, query or path fails validation; details name each field. Also: malformed JSON; a missing required body (path `(body)`); " +
              "a query parameter given empty (`?cursor=` is invalid, not absent), given twice, or not declared; a reserved key (`__proto__`, `constructor`, `prototype`) anywhere in the body",
            "invalid_request",
            "Invalid request body",
            [
            { path: "sendWindow.end", message: "must differ from start (use 00:00-23:59 for the whole day)" },
          ]),
          Unauthorized: error("unauthorized: missing, invalid or expired credentials", "unauthorized", "Invalid or expired token"),
          Forbidden: error(
            "forbidden: not an admin; or a write carrying a page's cookie sent from another site or origin (Sec-Fetch-Site other than same-origin or none, or a foreign Origin)",
            "forbidden",
            "Admin role required",
          ),
          SubscriptionRequired: error("subscription_required: the referrer has no active relance subscription", "subscription_required", "No active relance subscription"),
          NotFound: error("not_found", "not_found", "Message not found"),
          Conflict: error("conflict: the state does not allow it", "conflict", "A link by pairing_code is already in progress; disconnect first to switch method"),
          UnsupportedMediaType: error(
            "unsupported_media_type: a body sent with a content type other than application/json (or none); refused before anything reads it",
            "unsupported_media_type",
            "Request bodies must be application/json (got text/plain)",
          ),
          PayloadTooLarge: error("payload_too_large: body over RELANCE_BODY_LIMIT_BYTES (the connection is closed)", "payload_too_large", "Request body is over 1048576 bytes"),
          TooManyRequests: error(
            "rate_limited (RELANCE_CONNECT_RATE_LIMIT per referrer, RELANCE_AUTH_FAILURE_LIMIT per address) or too_many_streams; Retry-After says when to try again",
            "rate_limited",
            "Too many link requests for this account; try again later",
          ),
          Unavailable: error("unavailable: no room for another WhatsApp session now (RELANCE_MAX_SESSIONS_HARD), or the storage is unreachable; for a dispatch run cut short with nothing done, details carry aborted and the counts", "unavailable", "Dispatch aborted: the storage is unavailable", {
            aborted: true,
            sent: 0,
            failed: 0,
            deferred: 0,
            held: 0,
            exited: 0,
          }),
          LinkFailed: error("link_failed: the WhatsApp link attempt failed; details carry the link status and reason", "link_failed", "WhatsApp link failed: connection lost", {
            status: "failed",
            reason: "connection lost",
          }),
        },
      },
    },
    defaultValidationErrorResponse: false,
    // "/openapi.json" has a dot, which the library would take for a static file.
    excludeStaticFile: false,
  });
  const described = withEdgeErrors(document as unknown as Record<string, any>, apiPrefix);
  return options.sandbox === false ? withoutSandbox(described, apiPrefix) : described;
}

/**
 * Without the sandbox transport its routes answer 404: they are left out of the document rather
 * than advertised to whoever reads a production instance's `/openapi.json` (security review 2).
 */
function withoutSandbox(document: Record<string, any>, apiPrefix: string): Record<string, unknown> {
  for (const path of Object.keys(document.paths)) if (path.startsWith(`${apiPrefix}/sandbox/`)) delete document.paths[path];
  document.tags = (document.tags ?? []).filter((tag: { name: string }) => tag.name !== "sandbox");
  return document;
}

const WRITES = new Set(["post", "put", "patch", "delete"]);
const ref = (name: string) => ({ $ref: `#/components/responses/${name}` });

/**
 * What the edge refuses on every API route, documented once: a 400 (an undeclared, empty or
 * repeated query parameter); on writes a 413 and a 415, and a 403 for a page's cookie sent
 * cross-site. Responses are listed by status.
 */
function withEdgeErrors(document: Record<string, any>, apiPrefix: string): Record<string, unknown> {
  for (const [path, item] of Object.entries(document.paths as Record<string, Record<string, any>>)) {
    if (!path.startsWith(`${apiPrefix}/`)) continue;
    for (const [method, operation] of Object.entries(item)) {
      const responses: Record<string, unknown> = operation.responses;
      responses["400"] ??= ref("BadRequest");
      if (WRITES.has(method)) {
        responses["413"] ??= ref("PayloadTooLarge");
        responses["415"] ??= ref("UnsupportedMediaType");
        if (operation.security?.some((s: Record<string, unknown>) => "bearerJwt" in s)) responses["403"] ??= ref("Forbidden");
      }
      operation.responses = Object.fromEntries(Object.entries(responses).sort(([a], [b]) => a.localeCompare(b)));
    }
  }
  for (const item of Object.values(document.paths as Record<string, Record<string, Record<string, unknown>>>)) {
    for (const [method, operation] of Object.entries(item)) item[method] = inReadingOrder(operation);
  }
  return document;
}

const OPERATION_KEYS = ["operationId", "summary", "description", "tags", "security", "parameters", "requestBody", "responses"];

/**
 * An operation's keys in one order whatever the order of the route's middlewares (its parts are
 * declared before its description): what it is, then what it takes, then what it answers.
 */
function inReadingOrder(operation: Record<string, unknown>): Record<string, unknown> {
  const rank = (key: string) => (OPERATION_KEYS.includes(key) ? OPERATION_KEYS.indexOf(key) : OPERATION_KEYS.length);
  return Object.fromEntries(Object.entries(operation).sort(([a], [b]) => rank(a) - rank(b)));
}
