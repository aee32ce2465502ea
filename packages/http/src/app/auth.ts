import { createHash, timingSafeEqual } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import { verify } from "hono/jwt";
import { ApiError } from "./errors.js";

export interface Caller {
  userId: string;
  role: string | null;
}

export type AuthVariables = { caller: Caller; serviceName: string };

const unauthorized = (message: string) => new ApiError(401, "unauthorized", message);

function bearer(header: string | undefined): string | null {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? "");
  return match ? match[1]! : null;
}

/** Default for `RELANCE_JWT_MAX_TTL_SECONDS`: a token may not claim to live longer than a day. */
export const DEFAULT_JWT_MAX_TTL_SECONDS = 24 * 3600;

async function callerOf(token: string, secret: string, maxTtlSeconds: number): Promise<Caller> {
  let payload: Record<string, unknown>;
  try {
    // HS256 only (another alg, "none" included, is a mismatch); a future `nbf` or `iat` is refused.
    payload = (await verify(token, secret, "HS256")) as Record<string, unknown>;
  } catch {
    throw unauthorized("Invalid or expired token");
  }
  // A token without `exp` would never expire, and one valid for years is as bad: both refused.
  if (typeof payload.exp !== "number" || !Number.isFinite(payload.exp)) throw unauthorized("Token has no exp");
  const now = Math.floor(Date.now() / 1000);
  const issuedAt = typeof payload.iat === "number" ? payload.iat : now;
  if (payload.exp - Math.min(issuedAt, now) > maxTtlSeconds) throw unauthorized(`Token lifetime is over ${maxTtlSeconds} s`);
  if (typeof payload.sub !== "string" || payload.sub.length === 0) throw unauthorized("Token has no subject");
  return { userId: payload.sub, role: typeof payload.role === "string" ? payload.role : null };
}

/**
 * Referrer and admin calls: `Authorization: Bearer <HS256 JWT>` with `exp` required and a
 * lifetime of at most `maxTtlSeconds`. The SSE stream also takes `?access_token=` because
 * browsers' EventSource cannot send headers.
 */
export function requireUser(
  secret: string,
  options: { allowQueryToken?: boolean; maxTtlSeconds?: number } = {},
): MiddlewareHandler<{ Variables: AuthVariables }> {
  const maxTtlSeconds = options.maxTtlSeconds ?? DEFAULT_JWT_MAX_TTL_SECONDS;
  return async (c, next) => {
    const token = bearer(c.req.header("authorization")) ?? (options.allowQueryToken ? (c.req.query("access_token") ?? null) : null);
    if (!token) throw unauthorized("Missing bearer token");
    c.set("caller", await callerOf(token, secret, maxTtlSeconds));
    await next();
  };
}

export function requireAdmin(): MiddlewareHandler<{ Variables: AuthVariables }> {
  return async (c, next) => {
    if (c.get("caller").role !== "admin") throw new ApiError(403, "forbidden", "Admin role required");
    await next();
  };
}

const digest = (value: string) => createHash("sha256").update(value).digest();

/** Service-to-service calls: the shared secret as bearer plus `X-Service-Name`, compared in constant time. */
export function requireService(secret: string): MiddlewareHandler<{ Variables: AuthVariables }> {
  const expected = digest(secret);
  return async (c, next) => {
    const token = bearer(c.req.header("authorization"));
    const serviceName = c.req.header("x-service-name");
    // Hashing first gives equal lengths, so timingSafeEqual never leaks the secret's length.
    if (!token || !timingSafeEqual(digest(token), expected)) throw unauthorized("Invalid service credentials");
    if (!serviceName) throw unauthorized("Missing X-Service-Name");
    c.set("serviceName", serviceName);
    await next();
  };
}
