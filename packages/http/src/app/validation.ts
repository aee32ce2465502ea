import type { Context } from "hono";
import { z } from "zod";
import { ApiError } from "./errors.js";

export interface Issue {
  path: string;
  message: string;
}

/** Each field and why; an unknown key is named itself (zod reports it on its parent). */
function issuesOf(error: z.ZodError, root: string): Issue[] {
  return error.issues.flatMap((issue) => {
    const at = (path: PropertyKey[]) => path.map(String).join(".") || root;
    if (issue.code === "unrecognized_keys") return issue.keys.map((key) => ({ path: at([...issue.path, key]), message: `unknown ${root === "(query)" ? "parameter" : "field"}` }));
    return [{ path: at(issue.path), message: issue.message }];
  });
}

const invalid = (what: string, details: Issue[]) => new ApiError(400, "invalid_request", `Invalid ${what}`, details);

/** Parses with the schema, or answers 400 `invalid_request` with each field and why. */
export function parseOrThrow<T extends z.ZodType>(schema: T, value: unknown, what: "request body" | "query" | "path"): z.output<T> {
  const result = schema.safeParse(value);
  if (!result.success) throw invalid(what, issuesOf(result.error, what === "request body" ? "(body)" : `(${what})`));
  return result.data;
}

import { RESERVED_KEYS } from "./input.js";

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

/**
 * The request body as JSON (the edge has already refused any other content type): `undefined`
 * when empty. Malformed JSON and reserved keys (at any depth) are a 400 naming where.
 */
export async function jsonOf(c: Context): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === "") return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw invalid("request body", [{ path: "(body)", message: "not valid JSON" }]);
  }
  const reserved = reservedKeyPath(value);
  if (reserved) throw invalid("request body", [{ path: reserved, message: `"${reserved.split(".").at(-1)}" is a reserved key` }]);
  return value;
}

/**
 * The query as one string per name. A name given empty (`?cursor=`) or more than once is a 400
 * naming it: the contract reads an empty value as invalid, never as absent.
 */
export function queryValues(c: Context): Record<string, string> {
  // From the URL itself into a prototype-less object: a parameter named __proto__ stays data.
  const lists = new Map<string, string[]>();
  for (const [name, value] of new URL(c.req.url).searchParams) lists.set(name, [...(lists.get(name) ?? []), value]);
  const values: Record<string, string> = Object.create(null);
  const issues: Issue[] = [];
  for (const [name, list] of lists) {
    if (list.length > 1) issues.push({ path: name, message: "given more than once" });
    else if (list[0] === "") issues.push({ path: name, message: "empty: leave the parameter out instead" });
    else values[name] = list[0]!;
  }
  if (issues.length > 0) throw invalid("query", issues);
  return values;
}
