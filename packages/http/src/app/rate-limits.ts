import type { Context, MiddlewareHandler } from "hono";
import { getConnInfo } from "@hono/node-server/conninfo";
import { MemoryStore, rateLimiter, type Store } from "hono-rate-limiter";
import type { RelanceStorage } from "@relance/core";
import type { AuthVariables } from "./auth.js";
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
  /** Take the client address from X-Forwarded-For (behind a proxy you run). */
  trustProxy: boolean;
}

/** The client's address: the socket's, or the proxy's word when it is trusted. */
export function clientAddress(c: Context, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = c.req.header("x-forwarded-for")?.split(",")[0]?.trim();
    if (forwarded) return forwarded;
  }
  try {
    return getConnInfo(c).remote.address ?? "unknown";
  } catch {
    // In-process requests (app.request) have no socket.
    return "local";
  }
}

const tooMany = (what: string) => (c: Context) => {
  const retry = c.res.headers.get("retry-after");
  if (retry) c.header("retry-after", retry);
  return c.json(errorBody("rate_limited", `Too many ${what}; try again later`), 429);
};

function storeOf(settings: RateLimitSettings, storage: RelanceStorage, name: string): Store {
  return settings.store === "storage" ? new StorageRateLimitStore(storage, name) : new MemoryStore();
}

/**
 * Per client address, only failed authentications count (a correct secret or token never uses
 * the allowance, so bulk feeds are not slowed); past the limit, every request of that address is
 * refused with 429 until the window ends.
 */
export function authFailureLimit(settings: RateLimitSettings, storage: RelanceStorage): MiddlewareHandler {
  const limit = settings.authFailures;
  if (!limit) return async (_c, next) => next();
  return rateLimiter({
    windowMs: limit.windowMs,
    limit: limit.count,
    standardHeaders: "draft-6",
    keyGenerator: (c) => clientAddress(c, settings.trustProxy),
    skipSuccessfulRequests: true,
    requestWasSuccessful: (c) => c.res.status !== 401,
    store: storeOf(settings, storage, "auth"),
    handler: tooMany("failed authentications from this address"),
  });
}

/** Per referrer (after authentication): link attempts push prompts to a phone, so they are bounded. */
export function connectLimit(settings: RateLimitSettings, storage: RelanceStorage): MiddlewareHandler<{ Variables: AuthVariables }> {
  const limit = settings.connect;
  if (!limit) return async (_c, next) => next();
  return rateLimiter<{ Variables: AuthVariables }>({
    windowMs: limit.windowMs,
    limit: limit.count,
    standardHeaders: "draft-6",
    keyGenerator: (c) => c.get("caller").userId,
    store: storeOf(settings, storage, "connect") as Store<{ Variables: AuthVariables }>,
    handler: tooMany("link requests for this account"),
  });
}

/**
 * hono-rate-limiter's store over the service's own storage (its atomic counters), so that every
 * instance on one SQLite file or MongoDB database shares the counts. Fixed windows.
 */
export class StorageRateLimitStore implements Store {
  private windowMs = 60_000;
  readonly localKeys = false;

  constructor(
    private readonly storage: RelanceStorage,
    private readonly name: string,
  ) {}

  init(options: { windowMs: number }): void {
    this.windowMs = options.windowMs;
  }

  private slot(key: string) {
    const window = Math.floor(Date.now() / this.windowMs);
    return { owner: `ratelimit:${this.name}:${key}`, bucket: `w${window}`, resetTime: new Date((window + 1) * this.windowMs) };
  }

  async increment(key: string) {
    const { owner, bucket, resetTime } = this.slot(key);
    const totalHits = (await this.storage.counters.tryIncrement(owner, bucket, Number.MAX_SAFE_INTEGER)) ?? Number.MAX_SAFE_INTEGER;
    return { totalHits, resetTime };
  }

  async get(key: string) {
    const { owner, bucket, resetTime } = this.slot(key);
    return { totalHits: await this.storage.counters.get(owner, bucket), resetTime };
  }

  async decrement(key: string): Promise<void> {
    const { owner, bucket } = this.slot(key);
    await this.storage.counters.decrement(owner, bucket);
  }

  async resetKey(): Promise<void> {
    // Windows end on their own; nothing to clear.
  }
}
