import { Hono } from "hono";
import { streamSSE } from "hono/streaming";
import { documented, inputOf } from "../../openapi/describe.js";
import { OPERATIONS as doc } from "../../openapi/operations.js";
import type { ConnectInput } from "@relance/core";
import { qrDataUrl } from "@relance/adapters";
import { CONNECT_COOKIE, pageCookieName, requireUser, type AuthVariables } from "../auth.js";
import { mintConnectLink } from "../connect-links.js";
import { CursorCodec } from "../cursor.js";
import { ApiError } from "../errors.js";
import { connectLimit } from "../rate-limits.js";
import { answerConnect, DEFAULT_CONNECT_WAIT_MS } from "../link-answer.js";
import { presentTarget } from "../presenters.js";
import type { AppServices } from "../services.js";

const KEEP_ALIVE_MS = 15_000;

export interface StreamLimits {
  perUser: number;
  total: number;
}
const DEFAULT_STREAM_LIMITS: StreamLimits = { perUser: 5, total: 1000 };

/** Open event streams, per user and in all: each holds a connection and a subscription. */
class StreamCounts {
  private readonly byUser = new Map<string, number>();
  private total = 0;

  constructor(private readonly limits: StreamLimits) {}

  /** Counts one more, or says why not. */
  open(userId: string): string | null {
    const mine = this.byUser.get(userId) ?? 0;
    if (mine >= this.limits.perUser) return `At most ${this.limits.perUser} open status streams per account`;
    if (this.total >= this.limits.total) return "Too many open status streams on this server; try again later";
    this.byUser.set(userId, mine + 1);
    this.total++;
    return null;
  }

  close(userId: string): void {
    const mine = (this.byUser.get(userId) ?? 1) - 1;
    if (mine <= 0) this.byUser.delete(userId);
    else this.byUser.set(userId, mine);
    this.total--;
  }
}

/** Endpoints a referrer calls with their own JWT; they only ever see their own data. */
export function referrerRoutes(services: AppServices) {
  const { engine } = services;
  const app = new Hono<{ Variables: AuthVariables }>();
  // Per route, not on "*": this app is mounted at the prefix, and an unknown path must stay a 404.
  const tokenRules = { maxTtlSeconds: services.jwtMaxTtlSeconds, audience: services.jwtAudience ?? null, issuer: services.jwtIssuer ?? null };
  // Bearer only: configuration, listings, statistics and new links.
  const auth = requireUser(services.secrets.jwt, tokenRules);
  // Also the connect page's session cookie, on exactly what that page calls (security review 2, M1):
  // its status and stream, connect, and disconnect without logout.
  const pageAuth = requireUser(services.secrets.jwt, { ...tokenRules, cookie: { name: pageCookieName(CONNECT_COOKIE, services.publicUrl), kind: "connect-session" } });

  const linkLimit = services.rateLimits ? connectLimit(services.rateLimits, services.counters) : async (_c: unknown, next: () => Promise<void>) => next();

  app.post("/connect", pageAuth, documented(doc.connect), linkLimit, async (c) => {
    const { body } = inputOf(c, doc.connect);
    const referrerUserId = c.get("caller").userId;
    // A pairing_code body without a phone reaches the core, whose check answers it (400, path phone).
    const input = (body?.method === "pairing_code" ? { method: "pairing_code", phone: body.phone } : { method: "qr" }) as ConnectInput;
    const answer = await answerConnect(engine, referrerUserId, engine.connect(referrerUserId, input), services.connectWaitMs ?? DEFAULT_CONNECT_WAIT_MS, (error) =>
      services.logger.warn({ referrerUserId, err: error instanceof Error ? error.message : String(error) }, "connect failed after answering"),
    );
    return c.json(answer.body, answer.status);
  });

  // For links sent by SMS or e-mail: purpose-bound (the connect page only) and short-lived.
  app.post("/connect-link", auth, documented(doc.connectLink), linkLimit, async (c) => {
    const { token, exp } = await mintConnectLink({ jwtSecret: services.secrets.jwt, audience: services.jwtAudience ?? null }, c.get("caller").userId);
    const url = publicLink(services.publicUrl, `connect?token=${encodeURIComponent(token)}`);
    return c.json({ url: url.href, expiresAt: new Date(exp * 1000).toISOString() });
  });

  app.get("/status", pageAuth, documented(doc.status), async (c) => c.json(await engine.status(c.get("caller").userId)));

  const streams = new StreamCounts(services.streamLimits ?? DEFAULT_STREAM_LIMITS);

  app.get("/status/events", pageAuth, documented(doc.statusEvents), (c) => {
    const { userId: referrerUserId, exp } = c.get("caller");
    const refused = streams.open(referrerUserId);
    if (refused) throw new ApiError(429, "too_many_streams", refused);
    return streamSSE(c, async (stream) => {
      const queue: Array<{ event: string; data: string }> = [];
      let wake: (() => void) | null = null;
      const push = (event: string, data: unknown) => {
        queue.push({ event, data: JSON.stringify(data) });
        wake?.();
      };
      // Rendering a QR is asynchronous: chaining keeps events in the order they happened, so a
      // late QR never arrives after "connected".
      let ordered = Promise.resolve();
      const unsubscribe = engine.subscribe((event) => {
        if (event.referrerUserId !== referrerUserId) return;
        ordered = ordered.then(async () => {
          if (event.type === "status") push("status", event.status);
          else push("qr", { text: event.qr.text, dataUrl: event.qr.dataUrl ?? (await qrDataUrl(event.qr.text)) });
        });
      });
      let open = true;
      const stop = () => {
        open = false;
        wake?.();
      };
      stream.onAbort(stop);
      // The stream never outlives the token that opened it.
      const expiry = setTimeout(stop, Math.max(0, exp * 1000 - Date.now()));
      expiry.unref();
      try {
        await stream.writeSSE({ event: "status", data: JSON.stringify(await engine.status(referrerUserId)) });
        while (open) {
          while (queue.length > 0 && open) await stream.writeSSE(queue.shift()!);
          await new Promise<void>((resolve) => {
            wake = resolve;
            setTimeout(resolve, KEEP_ALIVE_MS).unref();
          });
          wake = null;
          if (open && queue.length === 0) await stream.write(": keep-alive\n\n");
        }
      } finally {
        clearTimeout(expiry);
        unsubscribe();
        streams.close(referrerUserId);
      }
    });
  });

  app.post("/disconnect", pageAuth, documented(doc.disconnect), async (c) => {
    const { body } = inputOf(c, doc.disconnect);
    // Logging out unlinks the device and deletes the stored session: the account's own token only.
    if (body.logout && c.get("caller").connectPage) throw new ApiError(403, "forbidden", "The connect page cannot log the WhatsApp account out");
    return c.json(await engine.disconnect(c.get("caller").userId, body));
  });

  app.patch("/config", auth, documented(doc.config), async (c) => {
    const { body } = inputOf(c, doc.config);
    return c.json(await engine.updateConfig(c.get("caller").userId, body));
  });

  const cursors = new CursorCodec(services.secrets.jwt);
  app.get("/targets", auth, documented(doc.targets), async (c) => {
    const { query } = inputOf(c, doc.targets);
    const referrerUserId = c.get("caller").userId;
    const scope = JSON.stringify([referrerUserId, query.status ?? null]);
    const page = await engine.listTargets(referrerUserId, {
      ...(query.status ? { status: query.status as never } : {}),
      ...(query.limit ? { limit: query.limit } : {}),
      cursor: query.cursor ? cursors.open(query.cursor, scope) : null,
    });
    return c.json({ items: page.items.map(presentTarget), nextCursor: cursors.seal(page.nextCursor, scope) });
  });

  app.get("/stats", auth, documented(doc.stats), async (c) => c.json(await engine.stats(c.get("caller").userId)));
  return app;
}

/**
 * An absolute link on the configured public address (security review 2, L3: it came from the
 * request's Host header, so anyone able to set it got links pointing to their own server).
 */
export function publicLink(publicUrl: string | undefined, path: string): URL {
  const base = new URL(publicUrl ?? "http://localhost");
  if (!base.pathname.endsWith("/")) base.pathname += "/";
  return new URL(path, base);
}
