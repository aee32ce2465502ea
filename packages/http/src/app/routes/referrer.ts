import { Hono } from "hono";
import { streamSSE } from "hono/streaming";
import { linkRequestOf } from "@relance/core";
import { qrDataUrl } from "@relance/adapters";
import { CONNECT_COOKIE, pageCookieName, requireUser, type AuthVariables } from "../auth.js";
import { body, query } from "../input.js";
import { answer, referrer } from "../operation.js";
import * as res from "../response-schemas.js";
import { ConfigPatchBody, ConnectBody, DisconnectBody, TargetsQuery } from "../schemas.js";
import { mintConnectLink } from "../connect-links.js";
import { CursorCodec } from "../cursor.js";
import { ApiError } from "../errors.js";
import { connectLimit } from "../rate-limits.js";
import { answerConnect, DEFAULT_CONNECT_WAIT_MS } from "../link-answer.js";
import { presentTarget } from "../presenters.js";
import type { AppServices } from "../services.js";

const KEEP_ALIVE_MS = 15_000;
const STATUS_EXAMPLE = (res.StatusResponse.meta()?.examples as unknown[] | undefined)?.[0];

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

  app.post(
    "/connect",
    pageAuth,
    body(ConnectBody, { required: false, example: { method: "qr" } }),
    referrer({
      summary: "Link WhatsApp by QR code or pairing code",
      description:
        "Answers within RELANCE_CONNECT_WAIT_MS (2 s): the QR, the pairing code, or `connected` when already linked (200); " +
        "202 with the Status while the transport is still getting there (the QR then arrives on /status/events); 502 link_failed with the reason when the attempt failed.",
      responses: {
        200: answer("pending_qr, pending_pairing or connected", res.ConnectResponse),
        202: { description: "still linking: the Status (status connecting)", ref: "Status", example: { ...(STATUS_EXAMPLE as object), status: "connecting", phone: null } },
      },
      errors: ["SubscriptionRequired", "Conflict", "LinkFailed", "TooManyRequests", "Unavailable"],
    }),
    // After validation: a refused request takes nothing from the account's link attempts.
    linkLimit,
    async (c) => {
      // A pairing_code body without a phone is the core's rule to answer (400, path phone).
      const input = linkRequestOf(c.req.valid("json"));
      const referrerUserId = c.get("caller").userId;
      const linking = await answerConnect(engine, referrerUserId, engine.connect(referrerUserId, input), services.connectWaitMs ?? DEFAULT_CONNECT_WAIT_MS, (error) =>
        services.logger.warn({ referrerUserId, err: error instanceof Error ? error.message : String(error) }, "connect failed after answering"),
      );
      return c.json(linking.body, linking.status);
    },
  );

  // For links sent by SMS or e-mail: purpose-bound (the connect page only) and short-lived.
  app.post(
    "/connect-link",
    auth,
    referrer({
      summary: "A short-lived link to the connect page, to send by SMS or e-mail",
      description:
        "Mints a purpose-bound, single-use token (aud relance-connect, a jti, 10 minutes) for the caller: the connect page exchanges it once for an HttpOnly cookie good only for that page's calls (status, its stream, connect, disconnect without logout); it is refused on every API route.",
      responses: { 200: answer("the link and when it stops working", res.ConnectLinkResponse) },
      errors: ["TooManyRequests"],
    }),
    linkLimit,
    async (c) => {
      const { token, exp } = await mintConnectLink({ jwtSecret: services.secrets.jwt, audience: services.jwtAudience ?? null }, c.get("caller").userId);
      const url = publicLink(services.publicUrl, `connect?token=${encodeURIComponent(token)}`);
      return c.json({ url: url.href, expiresAt: new Date(exp * 1000).toISOString() });
    },
  );

  app.get(
    "/status",
    pageAuth,
    referrer({ summary: "The referrer's link status, settings and today's count", responses: { 200: { description: "Status", ref: "Status", example: STATUS_EXAMPLE } } }),
    async (c) => c.json(await engine.status(c.get("caller").userId)),
  );

  const streams = new StreamCounts(services.streamLimits ?? DEFAULT_STREAM_LIMITS);

  app.get(
    "/status/events",
    pageAuth,
    referrer({
      summary: "Server-sent events: `status` (a Status) at once and on every change, `qr` ({text, dataUrl}) on every new QR",
      description:
        "A bearer token, or the connect page's cookie (no token in the URL). The stream closes when the token expires; at most RELANCE_SSE_MAX_PER_USER streams per account (429 too_many_streams).",
      errors: ["TooManyRequests"],
      responses: { 200: { description: "text/event-stream", media: "text/event-stream", example: 'event: status\ndata: {"status":"pending_qr",...}\n\n' } },
    }),
    (c) => {
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

  app.post(
    "/disconnect",
    pageAuth,
    body(DisconnectBody, { required: false, example: { logout: false } }),
    referrer({ summary: "Disconnect WhatsApp (logout also deletes the stored session)", responses: { 200: { description: "Status after the disconnect", ref: "Status" } } }),
    async (c) => {
      const options = c.req.valid("json");
      // Logging out unlinks the device and deletes the stored session: the account's own token only.
      if (options.logout && c.get("caller").connectPage) throw new ApiError(403, "forbidden", "The connect page cannot log the WhatsApp account out");
      return c.json(await engine.disconnect(c.get("caller").userId, options));
    },
  );

  app.patch(
    "/config",
    auth,
    body(ConfigPatchBody, { example: { sendingPaused: false, timezone: "Europe/Paris", sendWindow: { start: "09:00", end: "19:30" } } }),
    referrer({
      summary: "Pauses, time zone, send window",
      description: "The send window's start and end must differ (00:00-23:59 is the whole day); start after end spans midnight.",
      responses: { 200: { description: "Status with the change applied", ref: "Status" } },
    }),
    async (c) => c.json(await engine.updateConfig(c.get("caller").userId, c.req.valid("json"))),
  );

  const cursors = new CursorCodec(services.secrets.jwt);
  app.get(
    "/targets",
    auth,
    query(TargetsQuery),
    referrer({
      summary: "The caller's targets, a page at a time",
      description: "A cursor is only valid with the listing that returned it (same user and status filter); any other is a 400.",
      responses: { 200: answer("a page of targets", res.TargetPageResponse) },
    }),
    async (c) => {
      const { status, limit, cursor } = c.req.valid("query");
      const referrerUserId = c.get("caller").userId;
      const scope = JSON.stringify([referrerUserId, status ?? null]);
      const page = await engine.listTargets(referrerUserId, {
        ...(status ? { status } : {}),
        ...(limit ? { limit } : {}),
        cursor: cursor ? cursors.open(cursor, scope) : null,
      });
      return c.json({ items: page.items.map(presentTarget), nextCursor: cursors.seal(page.nextCursor, scope) });
    },
  );

  app.get("/stats", auth, referrer({ summary: "The caller's stats", responses: { 200: { description: "stats", ref: "Stats" } } }), async (c) => c.json(await engine.stats(c.get("caller").userId)));
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
