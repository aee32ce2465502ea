import { Hono } from "hono";
import { streamSSE } from "hono/streaming";
import { documented } from "../../openapi/describe.js";
import { OPERATIONS as doc } from "../../openapi/operations.js";
import { qrDataUrl } from "@relance/adapters";
import { requireUser, type AuthVariables } from "../auth.js";
import { CursorCodec } from "../cursor.js";
import { answerConnect, DEFAULT_CONNECT_WAIT_MS } from "../link-answer.js";
import { presentTarget } from "../presenters.js";
import { ConfigPatchBody, ConnectBody, DisconnectBody, TargetsQuery } from "../schemas.js";
import type { AppServices } from "../services.js";
import { jsonBody, queryOf } from "../validation.js";

const KEEP_ALIVE_MS = 15_000;

/** Endpoints a referrer calls with their own JWT; they only ever see their own data. */
export function referrerRoutes(services: AppServices) {
  const { engine } = services;
  const app = new Hono<{ Variables: AuthVariables }>();
  // Per route, not on "*": this app is mounted at the prefix, and an unknown path must stay a 404.
  const auth = requireUser(services.secrets.jwt, { maxTtlSeconds: services.jwtMaxTtlSeconds });
  const streamAuth = requireUser(services.secrets.jwt, { allowQueryToken: true, maxTtlSeconds: services.jwtMaxTtlSeconds });

  app.post("/connect", documented(doc.connect), auth, async (c) => {
    const body = await jsonBody(c, ConnectBody);
    const referrerUserId = c.get("caller").userId;
    const answer = await answerConnect(engine, referrerUserId, engine.connect(referrerUserId, body), services.connectWaitMs ?? DEFAULT_CONNECT_WAIT_MS, (error) =>
      services.logger.warn({ referrerUserId, err: error instanceof Error ? error.message : String(error) }, "connect failed after answering"),
    );
    return c.json(answer.body, answer.status);
  });

  app.get("/status", documented(doc.status), auth, async (c) => c.json(await engine.status(c.get("caller").userId)));

  app.get("/status/events", documented(doc.statusEvents), streamAuth, (c) => {
    const referrerUserId = c.get("caller").userId;
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
      stream.onAbort(() => {
        open = false;
        wake?.();
      });
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
        unsubscribe();
      }
    });
  });

  app.post("/disconnect", documented(doc.disconnect), auth, async (c) => {
    const body = await jsonBody(c, DisconnectBody);
    return c.json(await engine.disconnect(c.get("caller").userId, body));
  });

  app.patch("/config", documented(doc.config), auth, async (c) => {
    const body = await jsonBody(c, ConfigPatchBody);
    return c.json(await engine.updateConfig(c.get("caller").userId, body));
  });

  const cursors = new CursorCodec(services.secrets.jwt);
  app.get("/targets", documented(doc.targets), auth, async (c) => {
    const query = queryOf(c, TargetsQuery);
    const referrerUserId = c.get("caller").userId;
    const scope = JSON.stringify([referrerUserId, query.status ?? null]);
    const page = await engine.listTargets(referrerUserId, {
      ...(query.status ? { status: query.status as never } : {}),
      ...(query.limit ? { limit: query.limit } : {}),
      cursor: query.cursor ? cursors.open(query.cursor, scope) : null,
    });
    return c.json({ items: page.items.map(presentTarget), nextCursor: cursors.seal(page.nextCursor, scope) });
  });

  app.get("/stats", documented(doc.stats), auth, async (c) => c.json(await engine.stats(c.get("caller").userId)));
  return app;
}
