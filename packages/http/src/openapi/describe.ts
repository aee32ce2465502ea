import type { Context, MiddlewareHandler } from "hono";
import { describeRoute, uniqueSymbol } from "hono-openapi";
import { z } from "zod";
import { ApiError } from "../app/errors.js";
import { jsonOf, parseOrThrow, queryValues, type Issue } from "../app/validation.js";

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
  UnsupportedMediaType: "415",
  TooManyRequests: "429",
  Unavailable: "503",
  LinkFailed: "502",
};

export interface ResponseDoc {
  description: string;
  /** A response schema (JSON), or the media types (as served) and a plain description of the body. */
  schema?: z.ZodType;
  media?: string | string[];
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
  /** False for the pages: their query and path are read but never refused (no 400 to document). */
  validates?: boolean;
  /** Route-specific errors (names of components.responses), besides the caller's. */
  errors?: string[];
}

/** A value is never empty: the edge refuses `?name=` (see `queryValues`). */
function nonEmpty(schema: JsonSchema): JsonSchema {
  return schema.type === "string" && schema.minLength === undefined && schema.enum === undefined ? { ...schema, minLength: 1 } : schema;
}

function parametersOf(schema: z.ZodObject, where: "query" | "path") {
  return Object.entries(schema.shape).map(([name, field]) => ({
    name,
    in: where,
    required: where === "path" || !(field as z.ZodType).safeParse(undefined).success,
    schema: nonEmpty(jsonSchema(field as z.ZodType, "input")),
    ...((field as z.ZodType).description ? { description: (field as z.ZodType).description } : {}),
  }));
}

function responseOf(doc: ResponseDoc) {
  if (!doc.schema && !doc.ref && !doc.media) return { description: doc.description };
  const schema = doc.ref ? { $ref: `#/components/schemas/${doc.ref}` } : doc.schema ? jsonSchema(doc.schema, "output") : { type: "string" };
  const media = doc.media === undefined ? ["application/json"] : typeof doc.media === "string" ? [doc.media] : doc.media;
  return {
    description: doc.description,
    content: Object.fromEntries(media.map((type) => [type, { schema, ...(doc.example !== undefined ? { example: doc.example } : {}) }])),
  };
}

const NO_QUERY = z.object({}).strict();

/** What the route declared, parsed: see `inputOf`. */
export type InputOf<D extends RouteDoc> = {
  body: D extends { body: { schema: infer S extends z.ZodType } } ? z.output<S> : undefined;
  query: D extends { query: infer Q extends z.ZodType } ? z.output<Q> : Record<string, never>;
  path: D extends { path: infer P extends z.ZodType } ? z.output<P> : Record<string, never>;
};

/** The request's body, query and path as its route's declaration parsed them (see `documented`). */
export function inputOf<D extends RouteDoc>(c: Context, _doc: D): InputOf<D> {
  return c.get("input" as never) as InputOf<D>;
}

/**
 * The edge's checks, from the route's declaration, for every route alike: the caller was
 * authenticated (the route's auth runs first: credentials are never skipped by a refusal), the
 * query is exactly the declared one with no empty or repeated value (on the API; the pages' query
 * is read, never refused), the path parameters, and the JSON body (required unless declared
 * optional; reserved keys refused at any depth). The content type was checked before, for every
 * request (`jsonBodiesOnly`).
 */
function validating(doc: RouteDoc): MiddlewareHandler {
  const api = !doc.tags.includes("operations");
  return async (c, next) => {
    if (doc.security !== "none" && c.get("caller" as never) === undefined && c.get("serviceName" as never) === undefined) {
      throw new ApiError(401, "unauthorized", "Missing credentials");
    }
    // Every part is checked, so that one answer names every wrong field.
    const issues: Issue[] = [];
    const part = async <T>(read: () => T | Promise<T>): Promise<T | undefined> => {
      try {
        return await read();
      } catch (error) {
        if (!(error instanceof ApiError) || error.status !== 400 || !Array.isArray(error.details)) throw error;
        issues.push(...(error.details as Issue[]));
        return undefined;
      }
    };
    const query = api ? await part(() => parseOrThrow(doc.query ?? NO_QUERY, queryValues(c), "query")) : {};
    const path = doc.path && doc.validates !== false ? await part(() => parseOrThrow(doc.path!, c.req.param(), "path")) : {};
    let body: unknown;
    if (doc.body) {
      const schema = doc.body.schema;
      const required = doc.body.required !== false;
      body = await part(async () => {
        const value = await jsonOf(c);
        if (value === undefined && required) throw new ApiError(400, "invalid_request", "A JSON body is required", [{ path: "(body)", message: "required" }]);
        // An optional body may be left out: that is `{}`, never `null`.
        return parseOrThrow(schema, value === undefined ? {} : value, "request body");
      });
    }
    if (issues.length > 0) throw new ApiError(400, "invalid_request", "Invalid request", issues);
    c.set("input" as never, { query, path, body } as never);
    await next();
  };
}

/**
 * The route's one declaration: its OpenAPI operation (found on the route by hono-openapi) and the
 * edge's validation of what it is sent. Place it after the route's authentication.
 */
export function documented(doc: RouteDoc): MiddlewareHandler {
  const description = describeRoute(describe(doc)) as unknown as Record<symbol, unknown>;
  return Object.assign(validating(doc), { [uniqueSymbol]: description[uniqueSymbol] });
}

function describe(doc: RouteDoc) {
  const errors = [...new Set([...((doc.body || doc.query || doc.path) && doc.validates !== false ? ["BadRequest"] : []), ...ERRORS_OF[doc.security], ...(doc.errors ?? []), ...(doc.body ? ["PayloadTooLarge"] : [])])];
  const responses: Record<string, unknown> = Object.fromEntries(Object.entries(doc.responses).map(([status, response]) => [status, responseOf(response)]));
  for (const name of errors) responses[STATUS_OF_ERROR[name]!] ??= { $ref: `#/components/responses/${name}` };
  return {
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
  };
}
