import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { isRelanceError, type RelanceErrorCode } from "@relance/core";

/** The contract's error body: `{"error": {"code", "message", "details"?}}`. */
export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

const STATUS_OF: Record<RelanceErrorCode, ContentfulStatusCode> = {
  invalid_request: 400,
  unauthorized: 401,
  forbidden: 403,
  subscription_required: 403,
  not_found: 404,
  conflict: 409,
  transport_unavailable: 503,
  sender_restricted: 503,
  storage_failure: 503,
  directory_failure: 502,
  session_crypto: 500,
  internal: 500,
};

export function errorBody(code: string, message: string, details?: unknown) {
  return { error: details === undefined ? { code, message } : { code, message, details } };
}

/** Maps anything thrown to the contract's shape. 5xx answers never carry internals. */
export function toErrorResponse(c: Context, error: unknown, log: (error: unknown, status: number) => void): Response {
  if (error instanceof ApiError) return c.json(errorBody(error.code, error.message, error.details), error.status);
  if (isRelanceError(error)) {
    const status = STATUS_OF[error.code] ?? 500;
    if (status >= 500) {
      log(error, status);
      return c.json(errorBody(status === 503 ? "unavailable" : "internal", "The service could not complete the request"), status);
    }
    return c.json(errorBody(error.code, error.message, error.details), status);
  }
  if (error instanceof HTTPException) {
    if (error.status === 413) return c.json(errorBody("payload_too_large", "Request body is too large"), 413);
    if (error.status === 401) return c.json(errorBody("unauthorized", "Missing or invalid credentials"), 401);
    if (error.status < 500) return c.json(errorBody("invalid_request", error.message || "Invalid request"), error.status as ContentfulStatusCode);
  }
  log(error, 500);
  return c.json(errorBody("internal", "The service could not complete the request"), 500);
}

export const notFound = (what = "Resource") => new ApiError(404, "not_found", `${what} not found`);
