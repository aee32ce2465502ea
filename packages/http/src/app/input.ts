import type { Context, MiddlewareHandler } from "hono";
import { resolver, uniqueSymbol, validator } from "hono-openapi";
import type { z } from "zod";
import { ApiError } from "./errors.js";
import "../openapi/zod-vendor.js";

// A route declares what it reads with hono-openapi's `validator` (which validates, types
// `c.req.valid(...)` and documents the part), through `query`, `param` and `body` below, then
// `operation(...)` (operation.ts) closes the declaration. The contract adds to what the library
// does: the answer is the contract's error shape, one answer names every wrong field of every
// part (query, path, body), an empty or repeated query value is invalid, reserved keys are
// refused at any depth, and a body is required unless declared optional.

export interface Issue {
  path: string;
  message: string;
}

type Part = "query" | "param" | "json";
const PARTS: readonly Part[] = ["query", "param", "json"];

/** What each part of a request was refused for, and whether its route declared a query. */
interface Found {
  issues: Partial<Record<Part, Issue[]>>;
  query: boolean;
}
const found = new WeakMap<Context, Found>();
const foundOf = (c: Context): Found => {
  let entry = found.get(c);
  if (!entry) found.set(c, (entry = { issues: {}, query: false }));
  return entry;
};

/** Each field and why; an unknown key is named itself (zod reports it on its parent). */
function issuesOf(issues: readonly { message: string; path?: readonly unknown[] | undefined; code?: unknown; keys?: unknown }[], root: string): Issue[] {
  return issues.flatMap((issue) => {
    const at = (path: readonly unknown[]) => path.map((key) => String(typeof key === "object" && key !== null && "key" in key ? key.key : key)).join(".") || root;
    if (issue.code === "unrecognized_keys" && Array.isArray(issue.keys)) {
      return issue.keys.map((key) => ({ path: at([...(issue.path ?? []), key]), message: `unknown ${root === "(query)" ? "parameter" : "field"}` }));
    }
    return [{ path: at(issue.path ?? []), message: issue.message }];
  });
}

class Refused extends Error {
  constructor(readonly issues: Issue[]) {
    super("invalid request part");
  }
}

/**
 * The library's validator, refusing into the request's findings rather than answering: the next
 * part is still checked, and `operation(...)` answers every finding at once. `before` reads what
 * the library cannot (the raw body) and may settle the part itself.
 */
function collecting<M extends MiddlewareHandler>(part: Part, middleware: M, before?: (c: Context) => Promise<Issue[] | "checked" | null>): M {
  const run: MiddlewareHandler = async (c, next) => {
    if (part === "query") foundOf(c).query = true;
    const early = before ? await before(c) : null;
    if (early === "checked") return next();
    if (early && early.length > 0) {
      foundOf(c).issues[part] = early;
      return next();
    }
    let passed = false;
    try {
      await middleware(c, async () => {
        passed = true;
        await next();
      });
    } catch (error) {
      if (passed || !(error instanceof Refused)) throw error;
      foundOf(c).issues[part] = error.issues;
      await next();
    }
  };
  // The library finds a route's documentation under this symbol (hono-openapi's own middlewares).
  return Object.assign(run, { [uniqueSymbol]: (middleware as unknown as Record<symbol, unknown>)[uniqueSymbol] }) as unknown as M;
}

const refuse = (root: string) => (result: { success: boolean; error?: readonly { message: string; path?: readonly unknown[] | undefined }[] }) => {
  if (!result.success) throw new Refused(issuesOf(result.error ?? [], root));
};

/**
 * The route's query, from a strict object schema. A value given empty (`?cursor=`) or more than
 * once is a 400 naming it: the contract reads an empty value as invalid, never as absent. A route
 * without `query(...)` refuses every parameter (see `operation`).
 */
export function query<S extends z.ZodType>(schema: S) {
  return collecting(
    "query",
    validator("query", schema, (result) => {
      const raw = result.data as Record<string, unknown>;
      const flagged: Issue[] = [];
      for (const [name, value] of Object.entries(raw)) {
        if (Array.isArray(value)) flagged.push({ path: name, message: "given more than once" });
        else if (value === "") flagged.push({ path: name, message: "empty: leave the parameter out instead" });
      }
      const named = new Set(flagged.map((issue) => issue.path));
      const issues = [...flagged, ...(result.success ? [] : issuesOf(result.error, "(query)").filter((issue) => !named.has(issue.path)))];
      if (issues.length > 0) throw new Refused(issues);
    }),
  );
}

/** The route's path parameters, from an object schema. */
export function param<S extends z.ZodType>(schema: S) {
  return collecting("param", validator("param", schema, refuse("(path)")));
}

/** Keys a caller-keyed map may never use: they name Object.prototype's machinery, not data. */
export const RESERVED_KEYS: readonly string[] = ["__proto__", "constructor", "prototype"];

/** The path of the first reserved key anywhere in a parsed JSON value, or null. */
function reservedKeyPath(value: unknown, path: string[] = []): string | null {
  if (value === null || typeof value !== "object") return null;
  for (const [key, item] of Object.entries(value)) {
    if (RESERVED_KEYS.includes(key)) return [...path, key].join(".");
    const inner = reservedKeyPath(item, [...path, key]);
    if (inner) return inner;
  }
  return null;
}

export interface BodyDoc {
  /** Shown in /openapi.json beside the schema. */
  example: unknown;
  /** False: the body may be left out, and is then `{}` (never `null`). Default true. */
  required?: boolean;
}

/**
 * The route's JSON body (the edge has already refused any other content type, `jsonBodiesOnly`).
 * Before the schema: an empty body is absent (refused unless optional), malformed JSON and
 * reserved keys at any depth are refused naming where.
 */
export function body<S extends z.ZodType>(schema: S, doc: BodyDoc) {
  const required = doc.required !== false;
  const checked = collecting("json", validator("json", schema, refuse("(body)")), async (c) => {
    const text = await c.req.text();
    if (text.trim() === "") {
      if (required) return [{ path: "(body)", message: "required" }];
      // Left out: `{}` (the library would read an empty application/json body as malformed).
      const result = schema.safeParse({});
      if (!result.success) return issuesOf(result.error.issues, "(body)");
      c.req.addValidatedData("json", result.data as object);
      return "checked";
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return [{ path: "(body)", message: "not valid JSON" }];
    }
    const reserved = reservedKeyPath(value);
    if (reserved) return [{ path: reserved, message: `"${reserved.split(".").at(-1)}" is a reserved key` }];
    return null;
  });
  // Documented with its example and whether it may be left out, which the validator cannot say.
  const spec = { requestBody: { required, content: { "application/json": { schema: resolver(schema), example: doc.example } } } };
  return Object.assign(checked, { [uniqueSymbol]: { spec } });
}

/**
 * What the request's declared parts were refused for, query first, with every parameter of an
 * undeclared query (on the API: the pages' query is read, never refused); empty when none.
 */
export function findings(c: Context, checkQuery: boolean): Issue[] {
  const entry = found.get(c);
  const issues: Issue[] = [];
  if (checkQuery && !entry?.query) {
    for (const name of Object.keys(c.req.queries())) issues.push({ path: name, message: "unknown parameter" });
  }
  for (const part of PARTS) issues.push(...(entry?.issues[part] ?? []));
  return issues;
}

const WRITES = new Set(["POST", "PUT", "PATCH", "DELETE"]);
const mediaTypeOf = (header: string) => header.split(";")[0]!.trim().toLowerCase();

/**
 * Every body is JSON: any other content type (or none) with a body is a 415, before anything else
 * reads it. `text/plain` and form bodies are what a browser sends cross-site without a preflight,
 * so this is also what keeps another site's page from driving a cookie-authenticated write.
 */
export function jsonBodiesOnly(): MiddlewareHandler {
  return async (c, next) => {
    if (!WRITES.has(c.req.method)) return next();
    const type = c.req.header("content-type");
    if (type !== undefined && mediaTypeOf(type) === "application/json") return next();
    if ((await c.req.text()) === "") return next();
    throw new ApiError(415, "unsupported_media_type", `Request bodies must be application/json${type ? ` (got ${mediaTypeOf(type)})` : " (no content type given)"}`);
  };
}
