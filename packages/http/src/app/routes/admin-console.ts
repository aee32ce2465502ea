import { Hono } from "hono";
import { documented } from "../../openapi/describe.js";
import { OPERATIONS as doc } from "../../openapi/operations.js";
import { dayFunnel } from "../admin-funnel.js";
import { ADMIN_COOKIE, requireAdmin, requireUser, type AuthVariables } from "../auth.js";
import { CursorCodec } from "../cursor.js";
import { presentTarget } from "../presenters.js";
import { AdminTargetsQuery, FunnelQuery } from "../schemas.js";
import type { AppServices } from "../services.js";
import { queryOf } from "../validation.js";


/**
 * What the admin console reads beyond the contract's admin endpoints: every referrer's targets
 * (searchable by referrer and status) and the per-day funnel. Admin JWT, like `/admin/*`.
 */
export function adminConsoleRoutes(services: AppServices) {
  const app = new Hono<{ Variables: AuthVariables }>();
  const auth = [requireUser(services.secrets.jwt, { maxTtlSeconds: services.jwtMaxTtlSeconds, audience: services.jwtAudience ?? null, cookie: { name: ADMIN_COOKIE, kind: "api" } }), requireAdmin()] as const;
  const cursors = new CursorCodec(services.secrets.jwt);

  app.get("/targets", documented(doc.adminTargets), ...auth, async (c) => {
    const query = queryOf(c, AdminTargetsQuery);
    // A cursor is only valid with the listing that returned it.
    const scope = JSON.stringify(["admin", query.referrerId ?? null, query.status ?? null]);
    const page = await services.storage.targets.list(
      { ...(query.referrerId ? { referrerUserId: query.referrerId } : {}), ...(query.status ? { status: query.status as never } : {}) },
      { limit: query.limit ?? 50, after: query.cursor ? cursors.open(query.cursor, scope) : null },
    );
    return c.json({ items: page.items.map(presentTarget), nextCursor: cursors.seal(page.nextCursor, scope) });
  });

  app.get("/funnel", documented(doc.adminFunnel), ...auth, async (c) => {
    const query = queryOf(c, FunnelQuery);
    return c.json(await dayFunnel(services.storage, query.referrerId ? { referrerUserId: query.referrerId } : {}));
  });
  return app;
}
