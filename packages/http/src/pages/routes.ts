import { Hono, type Context } from "hono";
import type { AppServices } from "../app/services.js";
import { operations } from "../app/operation.js";
import { adminPage } from "./admin-page.js";
import { ASSETS } from "./assets.js";
import { connectPage } from "./connect-page.js";
import { homePage } from "./home-page.js";
import { pickLanguage } from "./i18n.js";
import { exchangeToken, pageCsp, pageSession, postedToken, TOKEN_IN_URL } from "./page-session.js";

// Each page is declared here, next to its handler. Its query and path are read, never refused
// (no 400 to document): they are documented as plain parameters, not validated.
const tokenParameter = (description: string) => ({ name: "token", in: "query" as const, required: false, schema: { description, type: "string" as const, minLength: 1 }, description });
const HTML = { description: "HTML page", media: "text/html" };
const EXCHANGED = { description: "the token was exchanged for a cookie: the clean address" };

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

  app.get("/", operations({ summary: "A small page linking the connect page, the admin console and this document", responses: { 200: HTML } }), (c) => {
    c.header("vary", "accept-language");
    return c.html(homePage(languageOf(c), { sandbox, nonce: pageCsp(c) }));
  });
  app.get(
    "/connect",
    operations({
      summary: "The page a referrer opens to link WhatsApp (pairing code or QR, live status)",
      parameters: [tokenParameter("a single-use connect link's token (POST /connect-link), exchanged once for an HttpOnly cookie (the page then redirects to its clean address)")],
      responses: { 200: HTML, 303: EXCHANGED },
    }),
    async (c) => {
    tokenPageHeaders(c);
    const exchanged = await exchangeToken(c, services, "connect");
    if (exchanged) return exchanged;
    const session = await pageSession(c, services, "connect");
    const account = session?.subject ? await accountName(services, session.subject) : null;
    return c.html(connectPage(languageOf(c), { sandbox, nonce: pageCsp(c), session, account }));
  });
  app.get(
    "/admin",
    operations({
      summary: "The admin console: day messages with preview, funnel and conversions charts, the measured lift (holdout) chart and share, targets search",
      parameters: [
        tokenParameter(
          "never taken (security review 2, L12: an address is kept by proxies and access logs): the token is dropped from the address, no cookie is set, and the page asks for its form (POST /admin); `?signout=1` clears the cookie",
        ),
      ],
      responses: { 200: HTML, 303: { description: "`?token=` dropped (to `?notice=token-in-url`, no cookie), or `?signout=1` done: the clean address" } },
    }),
    async (c) => {
    tokenPageHeaders(c);
    const exchanged = await exchangeToken(c, services, "admin");
    if (exchanged) return exchanged;
    return c.html(await renderAdmin(c));
  });
  app.post(
    "/admin",
    operations({
      summary: "The admin console's sign-in form: a pasted admin JWT (form field `token`), exchanged for the HttpOnly cookie",
      description: "application/x-www-form-urlencoded, from the console's own page only (Sec-Fetch-Site same-origin; 403 otherwise). The token never goes through a URL.",
      responses: {
        200: { description: "the console's page, when the form held no token", media: "text/html" },
        303: { description: "the token was exchanged for a cookie (or refused: ?expired=1): the console's address" },
      },
    }),
    async (c) => {
    tokenPageHeaders(c);
    return (await postedToken(c, services, "admin")) ?? c.html(await renderAdmin(c));
  });
  // Browsers ask for it on every site: answered, and cached a day, rather than a 404 each time.
  app.get(
    "/favicon.ico",
    operations({ summary: "The icon browsers ask for on their own: none (204), so that it is no 404 in their console or in the logs", responses: { 204: { description: "no icon; browsers keep it a day" } } }),
    (c) => c.body(null, 204, { "cache-control": "public, max-age=86400" }));
  app.get(
    "/assets/:name",
    operations({
      summary: "Scripts, styles and the charting library of the pages, served locally",
      description: "Scripts are served as text/javascript, the stylesheet as text/css (both charset=utf-8); any other name is a 404.",
      parameters: [{ name: "name", in: "path", required: true, schema: { type: "string", enum: Object.keys(ASSETS) } }],
      responses: { 200: { description: "the asset", media: [...new Set(Object.values(ASSETS).map((asset) => asset.type.split(";")[0]!))] } },
      errors: ["NotFound"],
    }),
    async (c) => {
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
