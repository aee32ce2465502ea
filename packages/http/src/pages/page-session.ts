import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { randomBytes } from "node:crypto";
import { ADMIN_COOKIE, callerOf, CONNECT_COOKIE, DEFAULT_JWT_MAX_TTL_SECONDS, pageCookieName, type Caller } from "../app/auth.js";
import { exchangeConnectLink } from "../app/connect-links.js";
import type { AppServices } from "../app/services.js";

export type PageScope = "connect" | "admin";

/** `?notice=` after an admin token came in a URL: the console says to paste it in its form. */
export const TOKEN_IN_URL = "token-in-url";

const COOKIE: Record<PageScope, string> = { connect: CONNECT_COOKIE, admin: ADMIN_COOKIE };

/** The page's cookie name, and how to clear it (a __Host- cookie is only cleared as Secure). */
function cookieOf(services: AppServices, scope: PageScope): { name: string; clear: { path: string; secure?: boolean } } {
  const name = pageCookieName(COOKIE[scope], services.publicUrl);
  return { name, clear: name.startsWith("__Host-") ? { path: "/", secure: true } : { path: "/" } };
}

/**
 * A page's credentials. The connect page's link (`POST /connect-link`: 10 minutes, single-use) is
 * exchanged once for an HttpOnly, SameSite=Strict cookie holding a session good for that page's
 * calls only, then the browser is sent to the clean address, so the link stays neither in history
 * nor in any URL the page opens (its event stream included). The admin console takes its token
 * only from its form (`POST /admin`): an admin API token lives up to 24 h and would be kept by
 * every proxy and access log a URL goes through (security review 2, L12), so `?token=` there
 * opens nothing — it is dropped from the address, and the page asks for the form instead.
 * Answers the redirect, or null when the page is to be rendered.
 */
export async function exchangeToken(c: Context, services: AppServices, scope: PageScope): Promise<Response | null> {
  const url = new URL(c.req.url);
  if (url.searchParams.has("signout")) {
    deleteCookie(c, cookieOf(services, scope).name, cookieOf(services, scope).clear);
    url.searchParams.delete("signout");
    return c.redirect(url.pathname + url.search, 303);
  }
  const token = url.searchParams.get("token");
  if (token === null) return null;
  url.searchParams.delete("token");
  if (scope === "admin") {
    url.searchParams.set("notice", TOKEN_IN_URL);
    return c.redirect(url.pathname + url.search, 303);
  }
  return openPageSession(c, services, scope, token, url);
}

/**
 * The admin console's form (`POST /admin`, field `token`): a pasted token never goes through a
 * URL, where proxies and access logs would keep it (security review 2, L12). Only the page's own
 * form may post it: a cross-site one would sign the browser in as someone else (login CSRF).
 */
export async function postedToken(c: Context, services: AppServices, scope: PageScope): Promise<Response | null> {
  const site = c.req.header("sec-fetch-site");
  if (site !== undefined && site !== "same-origin" && site !== "none") return c.text("Forbidden", 403);
  const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
  const token = typeof form.token === "string" ? form.token.trim() : "";
  if (token === "") return null;
  const url = new URL(c.req.url);
  // Signed in from the page that said a token in the address was not taken: that is said.
  url.searchParams.delete("notice");
  return openPageSession(c, services, scope, token, url);
}

async function openPageSession(c: Context, services: AppServices, scope: PageScope, token: string, url: URL): Promise<Response> {
  const session = scope === "connect" ? await exchangeConnectLink(linkSettings(services), services.counters, token) : await adminSession(services, token);
  if (session) {
    const { caller } = session;
    setCookie(c, cookieOf(services, scope).name, session.token, {
      path: "/",
      httpOnly: true,
      sameSite: "Strict",
      secure: url.protocol === "https:" || c.req.header("x-forwarded-proto") === "https" || (services.publicUrl ?? "").startsWith("https://"),
      maxAge: Math.max(1, caller.exp - Math.floor(Date.now() / 1000)),
    });
  } else {
    // Said to the page (an expired link is explained, not taken for a missing one); never the token.
    deleteCookie(c, cookieOf(services, scope).name, cookieOf(services, scope).clear);
    url.searchParams.set("expired", "1");
  }
  return c.redirect(url.pathname + url.search, 303);
}

/** The page's session for its script: who (not the token, which the script never sees), or null. */
export async function pageSession(c: Context, services: AppServices, scope: PageScope): Promise<PageSession | null> {
  const token = getCookie(c, cookieOf(services, scope).name);
  const caller = token ? await verified(services, scope, token) : null;
  if (caller) return { subject: caller.userId, exp: caller.exp };
  // A link whose token was refused, or a cookie gone stale: the page says it expired.
  return token || c.req.query("expired") ? { subject: null, exp: 0, expired: true } : null;
}

export interface PageSession {
  subject: string | null;
  exp: number;
  expired?: boolean;
}

const linkSettings = (services: AppServices) => ({ jwtSecret: services.secrets.jwt, audience: services.jwtAudience ?? null, maxTtlSeconds: services.jwtMaxTtlSeconds ?? DEFAULT_JWT_MAX_TTL_SECONDS });

async function adminSession(services: AppServices, token: string): Promise<{ token: string; caller: Caller } | null> {
  const caller = await verified(services, "admin", token);
  return caller ? { token, caller } : null;
}

/** The cookie's token: the connect page's own session, or an admin API token. */
async function verified(services: AppServices, scope: PageScope, token: string): Promise<Caller | null> {
  try {
    const caller = await callerOf(token, services.secrets.jwt, {
      maxTtlSeconds: services.jwtMaxTtlSeconds ?? DEFAULT_JWT_MAX_TTL_SECONDS,
      audience: services.jwtAudience ?? null,
      issuer: services.jwtIssuer ?? null,
      kind: scope === "connect" ? "connect-session" : "api",
    });
    return scope === "admin" && caller.role !== "admin" ? null : caller;
  } catch {
    return null;
  }
}

/** A fresh nonce per page and the CSP that lets only the page's own nonced scripts run. */
export function pageCsp(c: Context): string {
  const nonce = randomBytes(16).toString("base64");
  c.header(
    "content-security-policy",
    [
      "default-src 'self'",
      `script-src 'nonce-${nonce}' 'strict-dynamic'`,
      "style-src 'self' 'unsafe-inline'",
      "img-src 'self' data:",
      "connect-src 'self'",
      "object-src 'none'",
      "base-uri 'none'",
      "frame-ancestors 'none'",
      "form-action 'self'",
    ].join("; "),
  );
  return nonce;
}
