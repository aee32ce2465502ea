import { Hono } from "hono";
import { documented, inputOf } from "../../openapi/describe.js";
import { OPERATIONS as doc } from "../../openapi/operations.js";
import { dayFunnel } from "../admin-funnel.js";
import { ADMIN_COOKIE, requireAdmin, requireUser, type AuthVariables } from "../auth.js";
import { CursorCodec } from "../cursor.js";
import { presentTarget } from "../presenters.js";
import type { AppServices } from "../services.js";


/**
 * What the admin console reads beyond the contract's admin endpoints: every referrer's targets
 * (searchable by referrer and status) and the per-day funnel. Admin JWT, like `/admin/*`.
 */
export function adminConsoleRoutes(services: AppServices) {
  const app = new Hono<{ Variables: AuthVariables }>();
  const auth = [requireUser(services.secrets.jwt, { maxTtlSeconds: services.jwtMaxTtlSeconds, audience: services.jwtAudience ?? null, cookie: { name: ADMIN_COOKIE, kind: "api" } }), requireAdmin()] as const;
  const cursors = new CursorCodec(services.secrets.jwt);

  app.get("/targets", ...auth, documented(doc.adminTargets), async (c) => {
    const { query } = inputOf(c, doc.adminTargets);
    // A cursor is only valid with the listing that returned it.
    const scope = JSON.stringify(["admin", query.referrerId ?? null, query.status ?? null]);
    const page = await services.storage.targets.list(
      { ...(query.referrerId ? { referrerUserId: query.referrerId } : {}), ...(query.status ? { status: query.status as never } : {}) },
      { limit: query.limit ?? 50, after: query.cursor ? cursors.open(query.cursor, scope) : null },
    );
    return c.json({ items: page.items.map(presentTarget), nextCursor: cursors.seal(page.nextCursor, scope) });
  });

  app.get("/senders", ...auth, documented(doc.adminSenders), async (c) => c.json({ items: await services.engine.senders() }));

  app.get("/funnel", ...auth, documented(doc.adminFunnel), async (c) => {
    const { query } = inputOf(c, doc.adminFunnel);
    return c.json(await dayFunnel(services.storage, query.referrerId ? { referrerUserId: query.referrerId } : {}));
  });
  return app;
}
