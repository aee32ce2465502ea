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

async function callerOf(token: string, secret: string): Promise<Caller> {
  let payload: Record<string, unknown>;
  try {
    payload = (await verify(token, secret, "HS256")) as Record<string, unknown>;
  } catch {
    throw unauthorized("Invalid or expired token");
  }
  if (typeof payload.sub !== "string" || payload.sub.length === 0) throw unauthorized("Token has no subject");
  return { userId: payload.sub, role: typeof payload.role === "string" ? payload.role : null };
}

/**
 * Referrer and admin calls: `Authorization: Bearer <HS256 JWT>`; `exp` is honoured. The SSE
 * stream also takes `?access_token=` because browsers' EventSource cannot send headers.
 */
export function requireUser(secret: string, options: { allowQueryToken?: boolean } = {}): MiddlewareHandler<{ Variables: AuthVariables }> {
  return async (c, next) => {
    const token = bearer(c.req.header("authorization")) ?? (options.allowQueryToken ? (c.req.query("access_token") ?? null) : null);
    if (!token) throw unauthorized("Missing bearer token");
    c.set("caller", await callerOf(token, secret));
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
