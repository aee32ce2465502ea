import type { MiddlewareHandler } from "hono";
import { resolver, uniqueSymbol, type DescribeRouteOptions } from "hono-openapi";
import type { z } from "zod";
import type { AuthVariables } from "./auth.js";
import { ApiError } from "./errors.js";
import { findings } from "./input.js";
import { ANSWER } from "../openapi/zod-vendor.js";

// The last step of a route's declaration, right before its handler:
//   app.put("/messages/:dayNumber", param(DayNumberParams), body(MessageBody, { example }),
//     admin({ summary: "Replace a day message", responses: { 200: answer("the message", MessageResponse) } }),
//     async (c) => { const { dayNumber } = c.req.valid("param"); ... });
// It is hono-openapi's route description (summary, security, answers) and the edge's refusal of
// what the parts before it found (input.ts), answered at once.

export type Security = "jwt" | "admin" | "service" | "none";
const SECURITY: Record<Security, Array<Record<string, string[]>>> = {
  jwt: [{ bearerJwt: [] }],
  admin: [{ bearerJwt: [] }],
  service: [{ serviceSecret: [], serviceName: [] }],
  none: [],
};

/** Errors each kind of caller may get besides the route's own. */
const ERRORS_OF: Record<Security, ErrorName[]> = {
  jwt: ["Unauthorized"],
  admin: ["Unauthorized", "Forbidden"],
  service: ["Unauthorized"],
  none: [],
};
/** The reusable error answers of components.responses (document.ts), by status. */
const STATUS_OF_ERROR = {
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
} as const;
export type ErrorName = keyof typeof STATUS_OF_ERROR;

/** One documented answer. */
export interface Answer {
  description: string;
  /** The answer's schema (JSON): what the handler's answer is checked against in the tests. */
  schema?: z.ZodType;
  /** A reusable schema of components.schemas, by name. */
  ref?: string;
  /** The media types (as served), for an answer that is not JSON. */
  media?: string | string[];
  example?: unknown;
}

export interface Operation {
  summary: string;
  description?: string;
  responses: Record<number, Answer>;
  /** Route-specific errors, besides the caller's. */
  errors?: ErrorName[];
  /** Parameters read but never refused (the pages): documentation only. */
  parameters?: DescribeRouteOptions["parameters"];
}

/** A JSON answer of `schema`. */
export const answer = (description: string, schema: z.ZodType, example?: unknown): Answer => ({ description, schema, ...(example !== undefined ? { example } : {}) });

function responseOf(doc: Answer) {
  if (!doc.schema && !doc.ref && !doc.media) return { description: doc.description };
  const schema = doc.ref ? { $ref: `#/components/schemas/${doc.ref}` } : doc.schema ? resolver(doc.schema, ANSWER) : { type: "string" as const };
  const media = doc.media === undefined ? ["application/json"] : typeof doc.media === "string" ? [doc.media] : doc.media;
  return {
    description: doc.description,
    content: Object.fromEntries(media.map((type) => [type, { schema, ...(doc.example !== undefined ? { example: doc.example } : {}) }])),
  };
}

interface Audience {
  tags: string[];
  security: Security;
  errors?: ErrorName[];
}

/**
 * The operations of one audience: `referrer({...})` documents the route and, as its last
 * middleware, refuses what its parts found (every wrong field of the query, path and body at once;
 * on the API, any parameter of a route that declares no query).
 */
function audience({ tags, security, errors: own = [] }: Audience) {
  const api = !tags.includes("operations");
  return (doc: Operation): MiddlewareHandler<{ Variables: Partial<AuthVariables> }> => {
    const responses: Record<string, unknown> = Object.fromEntries(Object.entries(doc.responses).map(([status, response]) => [status, responseOf(response)]));
    for (const name of new Set([...ERRORS_OF[security], ...own, ...(doc.errors ?? [])])) responses[STATUS_OF_ERROR[name]] ??= { $ref: `#/components/responses/${name}` };
    const spec: DescribeRouteOptions = {
      summary: doc.summary,
      ...(doc.description ? { description: doc.description } : {}),
      tags,
      security: SECURITY[security],
      ...(doc.parameters ? { parameters: doc.parameters } : {}),
      responses: responses as DescribeRouteOptions["responses"],
    };
    const refuse: MiddlewareHandler<{ Variables: Partial<AuthVariables> }> = async (c, next) => {
      // The route's authentication came first (a refusal never skips credentials): this is its net.
      if (security !== "none" && c.get("caller") === undefined && c.get("serviceName") === undefined) throw new ApiError(401, "unauthorized", "Missing credentials");
      const issues = findings(c, api);
      if (issues.length > 0) throw new ApiError(400, "invalid_request", "Invalid request", issues);
      await next();
    };
    // hono-openapi finds a route's description under its symbol (as `describeRoute` sets it).
    return Object.assign(refuse, { [uniqueSymbol]: { spec } });
  };
}

export const referrer = audience({ tags: ["referrer"], security: "jwt" });
export const admin = audience({ tags: ["admin"], security: "admin" });
export const internal = audience({ tags: ["internal"], security: "service" });
export const sandbox = audience({ tags: ["sandbox"], security: "none", errors: ["NotFound"] });
export const operations = audience({ tags: ["operations"], security: "none" });
/** Operations behind the service secret (metrics). */
export const serviceOperations = audience({ tags: ["operations"], security: "service" });
