import type { Context, MiddlewareHandler } from "hono";
import { getConnInfo } from "@hono/node-server/conninfo";
import { MemoryStore, rateLimiter, type Store } from "hono-rate-limiter";
import type { AuthVariables } from "./auth.js";
import type { SharedCounters } from "./services.js";
import { errorBody } from "./errors.js";

/** `count` requests per `windowMs`; null: no limit. */
export interface RateLimit {
  count: number;
  windowMs: number;
}

export interface RateLimitSettings {
  /** Failed authentications (401) per client address. */
  authFailures: RateLimit | null;
  /** Connect, pairing and connect-link requests per referrer. */
  connect: RateLimit | null;
  /** `memory` (this process) or `storage` (the service's storage: shared by every instance on it). */
  store: "memory" | "storage";
  /** The proxies in front: how many, or which addresses; null: none, the socket's peer is the client. */
  trustProxy: TrustProxy;
}

export type TrustProxy = { hops: number } | { proxies: readonly string[] } | null;

/**
 * The client's address: the right-most X-Forwarded-For entry that no trusted proxy wrote. Entries
 * further left are whatever the client sent (security review 2, M2: keying on the first entry let
 * anyone pick their own key, or someone else's).
 */
export function resolveClientAddress(peer: string, forwardedFor: string | undefined, trust: TrustProxy): string {
  if (trust === null) return peer;
  const hops = [...(forwardedFor ?? "").split(",").map((entry) => entry.trim()).filter((entry) => entry !== "")];
  if ("hops" in trust) {
    // Each of the n proxies appended its own peer: the client is the n-th entry from the right.
    if (hops.length === 0) return peer;
    return hops[Math.max(0, hops.length - trust.hops)]!;
  }
  let address = peer;
  while (trust.proxies.includes(address) && hops.length > 0) address = hops.pop()!;
  return address;
}

export function clientAddress(c: Context, trust: TrustProxy): string {
  let peer: string;
  try {
    peer = getConnInfo(c).remote.address ?? "unknown";
  } catch {
    // In-process requests (app.request) have no socket.
    peer = "local";
  }
  return resolveClientAddress(peer, c.req.header("x-forwarded-for"), trust);
}

/** Probes answer whatever the failed logins: a load balancer must not see the service as down. */
const EXEMPT_PATHS = new Set(["/health", "/ready"]);

const tooMany = (what: string) => (c: Context) => {
  const retry = c.res.headers.get("retry-after");
  if (retry) c.header("retry-after", retry);
  return c.json(errorBody("rate_limited", `Too many ${what}; try again later`), 429);
};

function storeOf(settings: RateLimitSettings, counters: SharedCounters, name: string): Store {
  return settings.store === "storage" ? new StorageRateLimitStore(counters, name) : new MemoryStore();
}

/**
 * Per client address, only failed authentications count, and only they are refused: the
 * credentials are checked first, and a request that passes is served whatever its address did
 * before (security review 2, M2: the limit had become a switch that locked the platform's payment
 * calls out). Past the limit, a failed one answers 429 until the window ends. Probes are exempt.
 */
export function authFailureLimit(settings: RateLimitSettings, counters: SharedCounters): MiddlewareHandler {
  const limit = settings.authFailures;
  if (!limit) return async (_c, next) => next();
  const store = storeOf(settings, counters, "auth");
  store.init?.({ windowMs: limit.windowMs } as never);
  return async (c, next) => {
    if (EXEMPT_PATHS.has(c.req.path)) return next();
    await next();
    if (c.res.status !== 401) return;
    const key = clientAddress(c, settings.trustProxy);
    const current = await store.get?.(key);
    if (current && (current.totalHits ?? 0) >= limit.count) {
      const retry = current.resetTime ? Math.max(1, Math.ceil((current.resetTime.getTime() - Date.now()) / 1000)) : Math.ceil(limit.windowMs / 1000);
      c.res = undefined;
      c.res = c.json(errorBody("rate_limited", "Too many failed authentications from this address; try again later"), 429, { "retry-after": String(retry) });
      return;
    }
    await store.increment(key);
  };
}

/** Per referrer (after authentication): link attempts push prompts to a phone, so they are bounded. */
export function connectLimit(settings: RateLimitSettings, counters: SharedCounters): MiddlewareHandler<{ Variables: AuthVariables }> {
  const limit = settings.connect;
  if (!limit) return async (_c, next) => next();
  return rateLimiter<{ Variables: AuthVariables }>({
    windowMs: limit.windowMs,
    limit: limit.count,
    standardHeaders: "draft-6",
    keyGenerator: (c) => c.get("caller").userId,
    store: storeOf(settings, counters, "connect") as Store<{ Variables: AuthVariables }>,
    handler: tooMany("link requests for this account"),
  });
}

/**
 * hono-rate-limiter's store over the service's own storage (its atomic counters), so that every
 * instance on one SQLite file or MongoDB database shares the counts. Fixed windows, keyed by the
 * window's start (an ISO instant); when a process first counts in a new window it deletes the
 * rows of ended ones, so rows do not pile up per address (security review 2, M2: 3000 distinct
 * addresses left 3000 permanent rows).
 */
export class StorageRateLimitStore implements Store {
  private windowMs = 60_000;
  private purgedUpTo = "";
  readonly localKeys = false;
  /** Every row of this limiter's owner starts with it. */
  readonly prefix: string;

  constructor(
    private readonly counters: SharedCounters,
    name: string,
  ) {
    this.prefix = `ratelimit:${name}:`;
  }

  init(options: { windowMs: number }): void {
    this.windowMs = options.windowMs;
  }

  private slot(key: string) {
    const window = Math.floor(Date.now() / this.windowMs);
    return { owner: `${this.prefix}${key}`, bucket: new Date(window * this.windowMs).toISOString(), resetTime: new Date((window + 1) * this.windowMs) };
  }

  /** Once per window and process: the rows of ended windows go. */
  private async purgeEnded(bucket: string): Promise<void> {
    if (this.purgedUpTo === bucket) return;
    this.purgedUpTo = bucket;
    await this.counters.purgeBefore(this.prefix, bucket);
  }

  async increment(key: string) {
    const { owner, bucket, resetTime } = this.slot(key);
    await this.purgeEnded(bucket);
    const totalHits = (await this.counters.tryIncrement(owner, bucket, Number.MAX_SAFE_INTEGER)) ?? Number.MAX_SAFE_INTEGER;
    return { totalHits, resetTime };
  }

  async get(key: string) {
    const { owner, bucket, resetTime } = this.slot(key);
    return { totalHits: await this.counters.get(owner, bucket), resetTime };
  }

  async decrement(key: string): Promise<void> {
    const { owner, bucket } = this.slot(key);
    await this.counters.decrement(owner, bucket);
  }

  async resetKey(): Promise<void> {
    // Windows end on their own; nothing to clear.
  }
}
