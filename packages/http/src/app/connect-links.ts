import { randomUUID } from "node:crypto";
import { sign } from "hono/jwt";
import { callerOf, CONNECT_AUDIENCE, CONNECT_SESSION_AUDIENCE, DEFAULT_JWT_MAX_TTL_SECONDS, type Caller } from "./auth.js";
import type { SharedCounters } from "./services.js";

/** A link sent by SMS or e-mail: short, since whoever holds it until it is used can open the page. */
export const CONNECT_LINK_TTL_SECONDS = 10 * 60;
/** The connect page's session after the exchange: long enough to scan a QR or type a code. */
export const CONNECT_SESSION_TTL_SECONDS = 15 * 60;
/** Spent link ids live in the counters, under this owner prefix (purged once the link expired). */
export const SPENT_LINK_PREFIX = "connect-link:";

export interface LinkSettings {
  jwtSecret: string;
  audience: string | null;
  maxTtlSeconds?: number;
}

const audienceOf = (own: string, settings: LinkSettings) => (settings.audience ? [own, settings.audience] : own);

/** A single-use connect link's token: bound to the connect page, with an id spent at the exchange. */
export async function mintConnectLink(settings: LinkSettings, userId: string, now = Math.floor(Date.now() / 1000)): Promise<{ token: string; exp: number }> {
  const exp = now + CONNECT_LINK_TTL_SECONDS;
  const token = await sign({ sub: userId, aud: audienceOf(CONNECT_AUDIENCE, settings), jti: randomUUID(), iat: now, exp }, settings.jwtSecret, "HS256");
  return { token, exp };
}

/**
 * The exchange (`GET /connect?token=`): a valid link whose id was never spent becomes the page's
 * session token (audience `relance-connect-session`, only good in the page's cookie). Spending the
 * id is one atomic increment with a cap of 1 in the shared storage, so a link opens one session,
 * on whichever instance, once (security review 2, M1). Null when the link is refused.
 */
export async function exchangeConnectLink(settings: LinkSettings, counters: SharedCounters, linkToken: string): Promise<{ token: string; caller: Caller } | null> {
  let link: Caller;
  try {
    link = await callerOf(linkToken, settings.jwtSecret, {
      maxTtlSeconds: settings.maxTtlSeconds ?? DEFAULT_JWT_MAX_TTL_SECONDS,
      audience: settings.audience,
      kind: "connect-link",
    });
  } catch {
    return null;
  }
  const spent = await counters.tryIncrement(`${SPENT_LINK_PREFIX}${link.jti}`, new Date(link.exp * 1000).toISOString(), 1);
  if (spent === null) return null;
  const now = Math.floor(Date.now() / 1000);
  // A spent id only matters until its link expires: those of expired links go (rows expire).
  await counters.purgeBefore(SPENT_LINK_PREFIX, new Date(now * 1000).toISOString());
  const exp = now + Math.min(CONNECT_SESSION_TTL_SECONDS, settings.maxTtlSeconds ?? DEFAULT_JWT_MAX_TTL_SECONDS);
  const token = await sign({ sub: link.userId, aud: audienceOf(CONNECT_SESSION_AUDIENCE, settings), iat: now, exp }, settings.jwtSecret, "HS256");
  return { token, caller: { userId: link.userId, role: null, exp, connectPage: true } };
}
