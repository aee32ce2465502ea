import { createHash, timingSafeEqual } from "node:crypto";
import type { Context, MiddlewareHandler } from "hono";
import { getCookie } from "hono/cookie";
import { verify } from "hono/jwt";
import { ApiError } from "./errors.js";

export interface Caller {
  userId: string;
  role: string | null;
  /** When the token expires (s since the epoch): a stream opened with it closes then. */
  exp: number;
  /** The token's id (connect links: spent at the exchange). */
  jti?: string;
  /** True for the connect page's session: it may only do what that page does. */
  connectPage?: boolean;
}

/** The audience of link tokens (`POST /connect-link`): exchanged once by the connect page, never the API. */
export const CONNECT_AUDIENCE = "relance-connect";
/** The audience of the connect page's session (its cookie): the page's own calls only. */
export const CONNECT_SESSION_AUDIENCE = "relance-connect-session";

/** What a token must be: an API token, a connect link (at the exchange) or the connect page's session. */
export type TokenKind = "api" | "connect-link" | "connect-session";

export interface TokenRules {
  maxTtlSeconds: number;
  /** `RELANCE_JWT_AUDIENCE`: when set, every token (links and page sessions too) must name it in `aud`. */
  audience?: string | null;
  /**
   * `RELANCE_JWT_ISSUER`: when set, API tokens must carry exactly it in `iss` (a token without
   * `iss` is refused). Links and page sessions are Relance's own, told apart by their audience.
   */
  issuer?: string | null;
  /** Default `api`. */
  kind?: TokenKind;
}

export type AuthVariables = { caller: Caller; serviceName: string };

const unauthorized = (message: string) => new ApiError(401, "unauthorized", message);

function bearer(header: string | undefined): string | null {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? "");
  return match ? match[1]! : null;
}

/** Default for `RELANCE_JWT_MAX_TTL_SECONDS`: a token may not claim to live longer than a day. */
export const DEFAULT_JWT_MAX_TTL_SECONDS = 24 * 3600;

/** Verifies a user token (bearer, page cookie or link) under `rules`; throws a 401 ApiError. */
export async function callerOf(token: string, secret: string, rules: TokenRules): Promise<Caller> {
  const { maxTtlSeconds } = rules;
  const kind = rules.kind ?? "api";
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
  const audiences = Array.isArray(payload.aud) ? payload.aud : payload.aud === undefined ? [] : [payload.aud];
  const isLink = audiences.includes(CONNECT_AUDIENCE);
  const isPageSession = audiences.includes(CONNECT_SESSION_AUDIENCE);
  // Security review 2, M1: each kind is accepted only where it belongs. A link sent by SMS or
  // e-mail is exchanged once for the page's session, which in turn is no API credential.
  if (kind === "api" && (isLink || isPageSession)) throw unauthorized("Connect-link tokens are only accepted by the connect page");
  if (kind === "connect-link" && (!isLink || typeof payload.jti !== "string" || payload.jti === "")) throw unauthorized("Not a connect link");
  if (kind === "connect-session" && !isPageSession) throw unauthorized("Not a connect page session");
  if (rules.audience && !audiences.includes(rules.audience)) throw unauthorized(`Token audience must include ${rules.audience}`);
  // Informational finding of security review 2: the platform names itself in `iss`, so that a token
  // another issuer signed with a shared secret, or one meant for another service, is no Relance token.
  if (kind === "api" && rules.issuer && payload.iss !== rules.issuer) throw unauthorized(`Token issuer must be ${rules.issuer}`);
  return {
    userId: payload.sub,
    role: kind === "api" && typeof payload.role === "string" ? payload.role : null,
    exp: payload.exp,
    ...(typeof payload.jti === "string" ? { jti: payload.jti } : {}),
    ...(kind === "connect-session" ? { connectPage: true } : {}),
  };
}

/**
 * Referrer and admin calls: `Authorization: Bearer <HS256 JWT>` with `exp` required and a
 * lifetime of at most `maxTtlSeconds`. Without a bearer, a page's cookie when the route serves
 * that page: `cookie.kind` says which token it must hold (the admin console's: an admin API
 * token; the connect page's: its own session, good only on the routes that page calls).
 */
export function requireUser(
  secret: string,
  options: { maxTtlSeconds?: number; audience?: string | null; issuer?: string | null; cookie?: { name: string; kind: TokenKind } } = {},
): MiddlewareHandler<{ Variables: AuthVariables }> {
  const maxTtlSeconds = options.maxTtlSeconds ?? DEFAULT_JWT_MAX_TTL_SECONDS;
  const rules = { maxTtlSeconds, audience: options.audience ?? null, issuer: options.issuer ?? null };
  return async (c, next) => {
    const token = bearer(c.req.header("authorization"));
    if (token) {
      c.set("caller", await callerOf(token, secret, rules));
      return next();
    }
    // The page's HttpOnly, SameSite=Strict cookie (set by the page when it exchanged its link).
    const cookie = options.cookie ? getCookie(c, options.cookie.name) : undefined;
    if (!cookie) throw unauthorized("Missing bearer token");
    refuseCrossSiteWrite(c);
    c.set("caller", await callerOf(cookie, secret, { ...rules, kind: options.cookie!.kind }));
    await next();
  };
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * A write carrying a page's cookie must come from that page's own origin (security review L1):
 * SameSite=Strict stops other sites, not a sibling subdomain or another port of the same host.
 * Browsers say where a request comes from in `Sec-Fetch-Site` (anything but same-origin, or none
 * for a typed URL, is refused); one that does not send it is judged by `Origin`, which must name
 * this host. A client sending neither is no browser, and a cookie it holds is no CSRF.
 */
function refuseCrossSiteWrite(c: Context): void {
  if (SAFE_METHODS.has(c.req.method)) return;
  const site = c.req.header("sec-fetch-site");
  if (site !== undefined) {
    if (site !== "same-origin" && site !== "none") throw new ApiError(403, "forbidden", `A page's cookie is only accepted from the page itself (Sec-Fetch-Site: ${site})`);
    return;
  }
  const origin = c.req.header("origin");
  if (origin === undefined) return;
  let host: string | null = null;
  try {
    host = new URL(origin).host;
  } catch {
    // "null" (sandboxed frames, file:) or garbage: not this host
  }
  if (host !== (c.req.header("host") ?? new URL(c.req.url).host)) throw new ApiError(403, "forbidden", "A page's cookie is only accepted from the page's own origin");
}

/** The pages' session cookies, one per page (base names; see {@link pageCookieName}). */
export const CONNECT_COOKIE = "relance_connect";
export const ADMIN_COOKIE = "relance_admin";

/**
 * Behind an https public address, a page cookie is `__Host-<name>`: the browser accepts it only
 * from this host, over https, with `Path=/` and no `Domain`, so a sibling subdomain cannot toss a
 * cookie of that name (security review 2, L1); only that name is read then. Over plain http
 * (development) the prefix cannot be used, and the base name is.
 */
export function pageCookieName(base: string, publicUrl: string | undefined): string {
  return publicUrl?.startsWith("https://") ? `__Host-${base}` : base;
}

export function requireAdmin(): MiddlewareHandler<{ Variables: AuthVariables }> {
  return async (c, next) => {
    if (c.get("caller").role !== "admin") throw new ApiError(403, "forbidden", "Admin role required");
    await next();
  };
}

const digest = (value: string) => createHash("sha256").update(value).digest();

/** Who may call /internal: the single secret (any name, every route) and/or one secret per caller. */
export interface ServiceCredentials {
  service: string | null;
  callers: readonly { name: string; secret: string; scopes: readonly string[] | null }[];
}

/**
 * Service-to-service calls: a secret as bearer plus `X-Service-Name`, compared in constant time.
 * A listed caller's secret is valid only under its own name, and only on its routes (`scope` of
 * the path: the segment after `/internal/`); the single secret accepts any name on every route.
 */
export function requireService(
  credentials: ServiceCredentials | string,
  scopeOf: (path: string) => string = internalScopeOf,
  audit?: { info(fields: Record<string, unknown>, message: string): void },
): MiddlewareHandler<{ Variables: AuthVariables }> {
  const creds: ServiceCredentials = typeof credentials === "string" ? { service: credentials, callers: [] } : credentials;
  const entries = [
    ...(creds.service ? [{ name: null as string | null, digest: digest(creds.service), scopes: null as readonly string[] | null }] : []),
    ...creds.callers.map((c) => ({ name: c.name as string | null, digest: digest(c.secret), scopes: c.scopes })),
  ];
  return async (c, next) => {
    const token = bearer(c.req.header("authorization"));
    const serviceName = c.req.header("x-service-name");
    if (!token) throw unauthorized("Invalid service credentials");
    // Hashing first gives equal lengths, so timingSafeEqual never leaks the secret's length; every
    // entry is compared, so the time does not tell which one matched.
    const presented = digest(token);
    let match: (typeof entries)[number] | null = null;
    for (const entry of entries) if (timingSafeEqual(presented, entry.digest) && match === null) match = entry;
    if (!match) throw unauthorized("Invalid service credentials");
    if (!serviceName) throw unauthorized("Missing X-Service-Name");
    if (match.name !== null && match.name !== serviceName) throw unauthorized("Invalid service credentials");
    if (match.scopes !== null && !match.scopes.includes(scopeOf(c.req.path))) throw new ApiError(403, "forbidden", `${serviceName} may not call this route`);
    c.set("serviceName", serviceName);
    // The audit trail: who exited or erased whom, who ran which job (never the secret).
    audit?.info({ serviceName, method: c.req.method, route: c.req.path }, "internal call");
    await next();
  };
}

/** `/api/relance/internal/jobs/dispatch/run` → `jobs`. */
export function internalScopeOf(path: string): string {
  const after = path.split("/internal/")[1] ?? "";
  return after.split("/")[0] ?? "";
}
