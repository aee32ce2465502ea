import { Hono } from "hono";
import type { TargetStatus } from "@relance/core";
import { documented, inputOf } from "../../openapi/describe.js";
import { OPERATIONS as doc } from "../../openapi/operations.js";
import { ADMIN_COOKIE, pageCookieName, requireAdmin, requireUser, type AuthVariables } from "../auth.js";
import { CursorCodec } from "../cursor.js";
import { presentTarget } from "../presenters.js";
import type { AppServices } from "../services.js";

/**
 * What the admin console reads beyond the contract's admin endpoints: every referrer's targets
 * (searchable by referrer and status) and the per-day funnel. Admin JWT, like `/admin/*`.
 */
export function adminConsoleRoutes(services: AppServices) {
  const app = new Hono<{ Variables: AuthVariables }>();
  const auth = [requireUser(services.secrets.jwt, { maxTtlSeconds: services.jwtMaxTtlSeconds, audience: services.jwtAudience ?? null, issuer: services.jwtIssuer ?? null, cookie: { name: pageCookieName(ADMIN_COOKIE, services.publicUrl), kind: "api" } }), requireAdmin()] as const;
  const cursors = new CursorCodec(services.secrets.jwt);

  app.get("/targets", ...auth, documented(doc.adminTargets), async (c) => {
    const { query } = inputOf(c, doc.adminTargets);
    // A cursor is only valid with the listing that returned it.
    const scope = JSON.stringify(["admin", query.referrerId ?? null, query.status ?? null]);
    const page = await services.engine.searchTargets({
      ...(query.referrerId ? { referrerUserId: query.referrerId } : {}),
      ...(query.status ? { status: query.status as TargetStatus } : {}),
      limit: query.limit ?? 50,
      cursor: query.cursor ? cursors.open(query.cursor, scope) : null,
    });
    return c.json({ items: page.items.map(presentTarget), nextCursor: cursors.seal(page.nextCursor, scope) });
  });

  app.get("/senders", ...auth, documented(doc.adminSenders), async (c) => c.json({ items: await services.engine.senders() }));

  app.get("/funnel", ...auth, documented(doc.adminFunnel), async (c) => {
    const { query } = inputOf(c, doc.adminFunnel);
    return c.json(await services.engine.dayFunnel(query.referrerId ? { referrerUserId: query.referrerId } : {}));
  });
  return app;
}
