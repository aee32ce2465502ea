import { Hono } from "hono";
import { z } from "zod";
import { ADMIN_COOKIE, pageCookieName, requireAdmin, requireUser, type AuthVariables } from "../auth.js";
import { CursorCodec } from "../cursor.js";
import { query } from "../input.js";
import { admin, answer } from "../operation.js";
import { presentTarget } from "../presenters.js";
import * as res from "../response-schemas.js";
import { AdminTargetsQuery, FunnelQuery } from "../schemas.js";
import type { AppServices } from "../services.js";

/**
 * What the admin console reads beyond the contract's admin endpoints: every referrer's targets
 * (searchable by referrer and status) and the per-day funnel. Admin JWT, like `/admin/*`.
 */
export function adminConsoleRoutes(services: AppServices) {
  const app = new Hono<{ Variables: AuthVariables }>();
  const auth = [requireUser(services.secrets.jwt, { maxTtlSeconds: services.jwtMaxTtlSeconds, audience: services.jwtAudience ?? null, issuer: services.jwtIssuer ?? null, cookie: { name: pageCookieName(ADMIN_COOKIE, services.publicUrl), kind: "api" } }), requireAdmin()] as const;
  const cursors = new CursorCodec(services.secrets.jwt);

  app.get(
    "/targets",
    ...auth,
    query(AdminTargetsQuery),
    admin({
      summary: "Every referrer's targets, searchable by referrer and status, a page at a time (admin console)",
      description: "A cursor is only valid with the listing that returned it (same referrer and status filter); any other is a 400.",
      responses: { 200: answer("a page of targets", res.TargetPageResponse) },
    }),
    async (c) => {
      const { referrerId, status, limit, cursor } = c.req.valid("query");
      // A cursor is only valid with the listing that returned it.
      const scope = JSON.stringify(["admin", referrerId ?? null, status ?? null]);
      const page = await services.engine.searchTargets({
        ...(referrerId ? { referrerUserId: referrerId } : {}),
        ...(status ? { status } : {}),
        limit: limit ?? 50,
        cursor: cursor ? cursors.open(cursor, scope) : null,
      });
      return c.json({ items: page.items.map(presentTarget), nextCursor: cursors.seal(page.nextCursor, scope) });
    },
  );

  app.get(
    "/senders",
    ...auth,
    admin({
      summary: "Linked senders with their status and health (at risk first, then degraded), for the admin console",
      responses: { 200: answer("the senders", z.object({ items: z.array(res.StatusResponse.extend({ referrerUserId: z.string() })) })) },
    }),
    async (c) => c.json({ items: await services.engine.senders() }),
  );

  app.get(
    "/funnel",
    ...auth,
    query(FunnelQuery),
    admin({
      summary: "Targets enrolled and messages sent per day, for the admin console's funnel",
      responses: { 200: answer("the funnel", z.object({ enrolled: z.number().int(), sentByDay: z.record(z.string(), z.number().int()) })) },
    }),
    async (c) => {
      const { referrerId } = c.req.valid("query");
      return c.json(await services.engine.dayFunnel(referrerId ? { referrerUserId: referrerId } : {}));
    },
  );
  return app;
}
