import { Hono } from "hono";
import { z } from "zod";
import { dayFunnel } from "../admin-funnel";
import { requireAdmin, requireUser, type AuthVariables } from "../auth";
import { presentTarget } from "../presenters";
import { TargetsQuery } from "../schemas";
import type { AppServices } from "../services";
import { queryOf } from "../validation";

const referrerId = z.preprocess((value) => (value === "" ? undefined : value), z.string().min(1).max(200).optional());
export const AdminTargetsQuery = z.object({ ...TargetsQuery.shape, referrerId }).strict();
export const FunnelQuery = z.object({ referrerId }).strict();

/**
 * What the admin console reads beyond the contract's admin endpoints: every referrer's targets
 * (searchable by referrer and status) and the per-day funnel. Admin JWT, like `/admin/*`.
 */
export function adminConsoleRoutes(services: AppServices) {
  const app = new Hono<{ Variables: AuthVariables }>();
  const auth = [requireUser(services.secrets.jwt), requireAdmin()] as const;

  app.get("/targets", ...auth, async (c) => {
    const query = queryOf(c, AdminTargetsQuery);
    const page = await services.storage.targets.list(
      { ...(query.referrerId ? { referrerUserId: query.referrerId } : {}), ...(query.status ? { status: query.status as never } : {}) },
      { limit: query.limit ?? 50, after: query.cursor ?? null },
    );
    return c.json({ items: page.items.map(presentTarget), nextCursor: page.nextCursor });
  });

  app.get("/funnel", ...auth, async (c) => {
    const query = queryOf(c, FunnelQuery);
    return c.json(await dayFunnel(services.storage, query.referrerId ? { referrerUserId: query.referrerId } : {}));
  });
  return app;
}
