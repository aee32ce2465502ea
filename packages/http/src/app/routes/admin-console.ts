import { Hono } from "hono";
import { documented } from "../../openapi/describe";
import { OPERATIONS as doc } from "../../openapi/operations";
import { dayFunnel } from "../admin-funnel";
import { ADMIN_COOKIE, requireAdmin, requireUser, type AuthVariables } from "../auth";
import { CursorCodec } from "../cursor";
import { presentTarget } from "../presenters";
import { AdminTargetsQuery, FunnelQuery } from "../schemas";
import type { AppServices } from "../services";
import { queryOf } from "../validation";


/**
 * What the admin console reads beyond the contract's admin endpoints: every referrer's targets
 * (searchable by referrer and status) and the per-day funnel. Admin JWT, like `/admin/*`.
 */
export function adminConsoleRoutes(services: AppServices) {
  const app = new Hono<{ Variables: AuthVariables }>();
  const auth = [requireUser(services.secrets.jwt, { maxTtlSeconds: services.jwtMaxTtlSeconds, audience: services.jwtAudience ?? null, cookie: ADMIN_COOKIE }), requireAdmin()] as const;
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
