import type { Context } from "hono";
import { z } from "zod";
import { ApiError } from "./errors.js";

function issuesOf(error: z.ZodError) {
  return error.issues.map((issue) => ({ path: issue.path.join(".") || "(body)", message: issue.message }));
}

/** Parses with the schema, or answers 400 `invalid_request` with each field and why. */
export function parseOrThrow<T extends z.ZodType>(schema: T, value: unknown, what: string): z.infer<T> {
  const result = schema.safeParse(value);
  if (!result.success) throw new ApiError(400, "invalid_request", `Invalid ${what}`, issuesOf(result.error));
  return result.data;
}

/** The JSON body validated by `schema`; an empty body counts as `{}`. Malformed JSON is a 400. */
export async function jsonBody<T extends z.ZodType>(c: Context, schema: T): Promise<z.infer<T>> {
  const text = await c.req.text();
  let value: unknown = {};
  if (text.trim() !== "") {
    try {
      value = JSON.parse(text);
    } catch {
      throw new ApiError(400, "invalid_request", "Malformed JSON body", [{ path: "(body)", message: "not valid JSON" }]);
    }
  }
  return parseOrThrow(schema, value, "request body");
}

export function queryOf<T extends z.ZodType>(c: Context, schema: T): z.infer<T> {
  return parseOrThrow(schema, c.req.query(), "query");
}
