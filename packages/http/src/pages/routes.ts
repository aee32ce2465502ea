import { Hono, type Context } from "hono";
import type { AppServices } from "../app/services.js";
import { documented } from "../openapi/describe.js";
import { OPERATIONS as doc } from "../openapi/operations.js";
import { adminPage } from "./admin-page.js";
import { ASSETS } from "./assets.js";
import { connectPage } from "./connect-page.js";
import { homePage } from "./home-page.js";
import { pickLanguage } from "./i18n.js";
import { exchangeToken, pageCsp, pageSession, postedToken, TOKEN_IN_URL } from "./page-session.js";

const languageOf = (c: Context) => pickLanguage(c.req.header("accept-language"), c.req.query("lang"));

/** Pages reached by a link holding a token: never cached, never sent on as a Referer. */
function tokenPageHeaders(c: Context): void {
  c.header("cache-control", "no-store");
  c.header("referrer-policy", "no-referrer");
  c.header("vary", "accept-language");
}

/** The server-rendered pages (`/`, `/connect`, `/admin`) and their assets; no build step. */
export function pageRoutes(services: AppServices) {
  const app = new Hono();
  const sandbox = services.sandbox !== null;

  const renderAdmin = async (c: Context) =>
    adminPage(languageOf(c), { nonce: pageCsp(c), session: await pageSession(c, services, "admin"), notice: c.req.query("notice") === TOKEN_IN_URL ? TOKEN_IN_URL : null });

  app.get("/", documented(doc.homePage), (c) => {
    c.header("vary", "accept-language");
    return c.html(homePage(languageOf(c), { sandbox, nonce: pageCsp(c) }));
  });
  app.get("/connect", documented(doc.connectPage), async (c) => {
    tokenPageHeaders(c);
    const exchanged = await exchangeToken(c, services, "connect");
    if (exchanged) return exchanged;
    const session = await pageSession(c, services, "connect");
    const account = session?.subject ? await accountName(services, session.subject) : null;
    return c.html(connectPage(languageOf(c), { sandbox, nonce: pageCsp(c), session, account }));
  });
  app.get("/admin", documented(doc.adminPage), async (c) => {
    tokenPageHeaders(c);
    const exchanged = await exchangeToken(c, services, "admin");
    if (exchanged) return exchanged;
    return c.html(await renderAdmin(c));
  });
  app.post("/admin", documented(doc.adminSignIn), async (c) => {
    tokenPageHeaders(c);
    return (await postedToken(c, services, "admin")) ?? c.html(await renderAdmin(c));
  });
  // Browsers ask for it on every site: answered, and cached a day, rather than a 404 each time.
  app.get("/favicon.ico", documented(doc.favicon), (c) => c.body(null, 204, { "cache-control": "public, max-age=86400" }));
  app.get("/assets/:name", documented(doc.pageAsset), async (c) => {
    // Own names only: `constructor` or `__proto__` must not find Object.prototype's members.
    const name = c.req.param("name");
    const asset = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
    if (!asset) return c.notFound();
    const body = typeof asset.body === "function" ? await asset.body() : asset.body;
    return c.body(body, 200, { "content-type": asset.type, "cache-control": "public, max-age=300" });
  });
  return app;
}

/** The referrer's name from the directory (and their id), as the connect page shows it. */
async function accountName(services: AppServices, userId: string): Promise<string> {
  try {
    const profile = await services.directory?.getReferrer(userId);
    return profile?.name ? `${profile.name} (${userId})` : userId;
  } catch {
    return userId;
  }
}
