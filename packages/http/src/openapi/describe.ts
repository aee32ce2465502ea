import type { MiddlewareHandler } from "hono";
import { describeRoute } from "hono-openapi";
import { z } from "zod";

// Each route describes itself with the zod schemas its handler validates with (request) and
// the response schemas of its answers; hono-openapi collects them from the app's own routes.
// Schemas are converted here, with this package's zod, so constraints (patterns, bounds,
// enums) reach the document exactly as they are enforced.

export type JsonSchema = Record<string, unknown>;

/** The JSON Schema of what a client sends (`input`) or receives (`output`). */
export function jsonSchema(schema: z.ZodType, io: "input" | "output"): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: "any", target: "draft-2020-12" }) as JsonSchema;
  return rest;
}

export type Security = "jwt" | "admin" | "service" | "none";
const SECURITY: Record<Security, Array<Record<string, string[]>>> = {
  jwt: [{ bearerJwt: [] }],
  admin: [{ bearerJwt: [] }],
  service: [{ serviceSecret: [], serviceName: [] }],
  none: [],
};

/** Errors each kind of caller may get besides the route's own. */
const ERRORS_OF: Record<Security, string[]> = {
  jwt: ["Unauthorized"],
  admin: ["Unauthorized", "Forbidden"],
  service: ["Unauthorized"],
  none: [],
};
const STATUS_OF_ERROR: Record<string, string> = {
  BadRequest: "400",
  Unauthorized: "401",
  Forbidden: "403",
  SubscriptionRequired: "403",
  NotFound: "404",
  Conflict: "409",
  PayloadTooLarge: "413",
  LinkFailed: "502",
  Unavailable: "503",
};

export interface ResponseDoc {
  description: string;
  /** A response schema (JSON), or a media type and a plain description of the body. */
  schema?: z.ZodType;
  media?: string;
  example?: unknown;
  /** A reusable schema of components.schemas, by name. */
  ref?: string;
}

export interface RouteDoc {
  summary: string;
  description?: string;
  tags: string[];
  security: Security;
  body?: { schema: z.ZodType; required?: boolean; example?: unknown };
  query?: z.ZodObject;
  path?: z.ZodObject;
  responses: Record<string, ResponseDoc>;
  /** False when the query is read but never refused (no 400 to document). */
  validates?: boolean;
  /** Route-specific errors (names of components.responses), besides the caller's. */
  errors?: string[];
}

function parametersOf(schema: z.ZodObject, where: "query" | "path") {
  return Object.entries(schema.shape).map(([name, field]) => ({
    name,
    in: where,
    required: where === "path" || !(field as z.ZodType).safeParse(undefined).success,
    schema: jsonSchema(field as z.ZodType, "input"),
    ...((field as z.ZodType).description ? { description: (field as z.ZodType).description } : {}),
  }));
}

function responseOf(doc: ResponseDoc) {
  if (!doc.schema && !doc.ref && !doc.media) return { description: doc.description };
  const schema = doc.ref ? { $ref: `#/components/schemas/${doc.ref}` } : doc.schema ? jsonSchema(doc.schema, "output") : { type: "string" };
  return {
    description: doc.description,
    content: { [doc.media ?? "application/json"]: { schema, ...(doc.example !== undefined ? { example: doc.example } : {}) } },
  };
}

/** The route's OpenAPI operation, as a middleware that hono-openapi finds on the route. */
export function documented(doc: RouteDoc): MiddlewareHandler {
  const errors = [...new Set([...((doc.body || doc.query || doc.path) && doc.validates !== false ? ["BadRequest"] : []), ...ERRORS_OF[doc.security], ...(doc.errors ?? []), ...(doc.body ? ["PayloadTooLarge"] : [])])];
  const responses: Record<string, unknown> = Object.fromEntries(Object.entries(doc.responses).map(([status, response]) => [status, responseOf(response)]));
  for (const name of errors) responses[STATUS_OF_ERROR[name]!] ??= { $ref: `#/components/responses/${name}` };
  return describeRoute({
    summary: doc.summary,
    ...(doc.description ? { description: doc.description } : {}),
    tags: doc.tags,
    security: SECURITY[doc.security],
    ...(doc.query || doc.path ? { parameters: [...(doc.path ? parametersOf(doc.path, "path") : []), ...(doc.query ? parametersOf(doc.query, "query") : [])] as never } : {}),
    ...(doc.body
      ? {
          requestBody: {
            required: doc.body.required ?? true,
            content: { "application/json": { schema: jsonSchema(doc.body.schema, "input"), ...(doc.body.example !== undefined ? { example: doc.body.example } : {}) } },
          },
        }
      : {}),
    responses: responses as never,
  });
}
