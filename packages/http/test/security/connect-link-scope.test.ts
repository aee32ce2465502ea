import { decode, sign } from "hono/jwt";
import { afterEach, describe, expect, it, vi } from "vitest";
import { JWT_SECRET, startTestApp, type TestApp } from "../support/test-app.js";

const P = "/api/relance";
const cookieOf = (headers: Headers) => headers.get("set-cookie")?.split(";")[0] ?? "";

/**
 * Security review 2, M1: a 10-minute connect link was a full referrer session through the
 * connect page's cookie, and could mint fresh links for ever. The cookie now serves the connect
 * page's needs only, the link is single-use, and the audience is honoured.
 */
describe("security M1: a connect link opens the connect page and nothing else", () => {
  let t: TestApp | null = null;
  afterEach(async () => {
    await t?.close();
    t = null;
  });

  async function mintLink(app: TestApp, userId = "r1", extra: Record<string, unknown> = {}): Promise<string> {
    const minted = await app.call("POST", `${P}/connect-link`, { token: await app.referrerToken(userId, extra) });
    expect(minted.status).toBe(200);
    return new URL(minted.body.url).searchParams.get("token")!;
  }

  async function exchange(app: TestApp, linkToken: string): Promise<string> {
    const exchanged = await app.call("GET", `/connect?token=${linkToken}`);
    expect(exchanged.status).toBe(303);
    return cookieOf(exchanged.headers);
  }

  it("the page's cookie reads the status and its stream, connects, disconnects — and nothing else", async () => {
    t = await startTestApp();
    await t.call("POST", `${P}/internal/subscriptions`, { service: true, body: { userId: "r1", active: true, name: "Rita" } });
    const cookie = await exchange(t, await mintLink(t));
    expect(cookie).toMatch(/^relance_connect=ey/);
    const headers = { cookie };

    expect((await t.call("GET", `${P}/status`, { headers })).status).toBe(200);
    const controller = new AbortController();
    const stream = await t.service.app.request(`${P}/status/events`, { headers, signal: controller.signal });
    expect(stream.status).toBe(200);
    controller.abort();
    await stream.body?.cancel().catch(() => undefined);
    expect([200, 202]).toContain((await t.call("POST", `${P}/connect`, { headers, body: { method: "qr" } })).status);
    expect((await t.call("POST", `${P}/disconnect`, { headers, body: {} })).status).toBe(200);

    // Logging out destroys the linked WhatsApp session: not from a link.
    const logout = await t.call("POST", `${P}/disconnect`, { headers, body: { logout: true } });
    expect(logout.status).toBe(403);
    expect(logout.body.error.code).toBe("forbidden");

    // Every other referrer route refuses it, /connect-link first (it renewed the link for ever).
    for (const [method, path, body] of [
      ["POST", "/connect-link", undefined],
      ["PATCH", "/config", { enabled: false, timezone: "Asia/Tokyo" }],
      ["GET", "/targets", undefined],
      ["GET", "/stats", undefined],
    ] as const) {
      const refused = await t.call(method, `${P}${path}`, { headers, ...(body ? { body } : {}) });
      expect(refused.status, `${method} ${path}`).toBe(401);
      expect(refused.body.error.code).toBe("unauthorized");
    }
    expect((await t.call("GET", `${P}/status`, { token: await t.referrerToken("r1") })).body.enabled).not.toBe(false);
  });

  it("a link is single-use: a second exchange is refused, and the raw link token is no cookie", async () => {
    t = await startTestApp();
    const link = await mintLink(t);
    const first = await exchange(t, link);
    expect((await t.call("GET", `${P}/status`, { headers: { cookie: first } })).status).toBe(200);

    const again = await t.call("GET", `/connect?token=${link}`);
    expect(again.status).toBe(303);
    expect(again.headers.get("location")).toContain("expired=1");
    expect(again.headers.get("set-cookie") ?? "").not.toMatch(/relance_connect=ey/);

    // The link's own token set as the cookie by hand: not a page session.
    expect((await t.call("GET", `${P}/status`, { headers: { cookie: `relance_connect=${link}` } })).status).toBe(401);
    // Nor is the page's session a bearer token anywhere.
    const sessionToken = first.slice("relance_connect=".length);
    expect((await t.call("GET", `${P}/status`, { token: sessionToken })).status).toBe(401);
  });

  it("spent link ids expire with their link (security M2: no row kept for ever)", async () => {
    t = await startTestApp();
    const first = await mintLink(t);
    await exchange(t, first);
    const { jti, exp } = decode(first).payload as { jti: string; exp: number };
    const bucket = new Date(exp * 1000).toISOString();
    expect(await t.service.storage.counters.get(`connect-link:${jti}`, bucket)).toBe(1);
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      vi.setSystemTime(new Date((exp + 60) * 1000));
      await exchange(t, await mintLink(t));
      expect(await t.service.storage.counters.get(`connect-link:${jti}`, bucket)).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it("a link without a jti (not minted by /connect-link) is refused at the exchange", async () => {
    t = await startTestApp();
    const now = Math.floor(Date.now() / 1000);
    const forged = await sign({ sub: "r1", aud: "relance-connect", iat: now, exp: now + 600 }, JWT_SECRET, "HS256");
    const exchanged = await t.call("GET", `/connect?token=${forged}`);
    expect(exchanged.headers.get("location")).toContain("expired=1");
  });

  it("honours RELANCE_JWT_AUDIENCE: links carry it, and a link without it is refused", async () => {
    t = await startTestApp({ RELANCE_JWT_AUDIENCE: "relance-api" });
    const link = await mintLink(t, "r1", { aud: "relance-api" });
    expect(decode(link).payload.aud).toEqual(["relance-connect", "relance-api"]);
    const cookie = await exchange(t, link);
    expect((await t.call("GET", `${P}/status`, { headers: { cookie } })).status).toBe(200);

    const now = Math.floor(Date.now() / 1000);
    const foreign = await sign({ sub: "r1", aud: "relance-connect", jti: "j-1", iat: now, exp: now + 600 }, JWT_SECRET, "HS256");
    expect((await t.call("GET", `/connect?token=${foreign}`)).headers.get("location")).toContain("expired=1");
  });

  it("the connect page no longer takes a 24 h API token in its URL", async () => {
    t = await startTestApp();
    const apiToken = await t.referrerToken("r1");
    const exchanged = await t.call("GET", `/connect?token=${apiToken}`);
    expect(exchanged.status).toBe(303);
    expect(exchanged.headers.get("location")).toContain("expired=1");
    expect(exchanged.headers.get("set-cookie") ?? "").not.toMatch(/relance_connect=ey/);
  });
});

describe("security L12: no token in any URL", () => {
  let t: TestApp | null = null;
  afterEach(async () => {
    await t?.close();
    t = null;
  });

  it("the status stream no longer takes ?access_token= (the pages send their cookie)", async () => {
    t = await startTestApp();
    const token = await t.referrerToken("r1");
    const refused = await t.call("GET", `${P}/status/events?access_token=${token}`);
    expect(refused.status).toBe(401);
  });
});

describe("security L2: the connect page says which account is being linked", () => {
  let t: TestApp | null = null;
  afterEach(async () => {
    await t?.close();
    t = null;
  });

  it("names the link's account (from the directory) on the page", async () => {
    t = await startTestApp();
    await t.call("POST", `${P}/internal/subscriptions`, { service: true, body: { userId: "ref-B", active: true, name: "Bernard Attaquant" } });
    const minted = await t.call("POST", `${P}/connect-link`, { token: await t.referrerToken("ref-B") });
    const exchanged = await t.call("GET", `/connect?token=${new URL(minted.body.url).searchParams.get("token")}&lang=en`);
    const page = await t.call("GET", "/connect?lang=en", { headers: { cookie: cookieOf(exchanged.headers) } });
    expect(page.body).toMatch(/<p id="account"[^>]*>Relance account being linked: <strong>Bernard Attaquant \(ref-B\)<\/strong><\/p>/);
  });
});

describe("security L12: the admin console's pasted token is posted, never put in a URL", () => {
  let t: TestApp | null = null;
  afterEach(async () => {
    await t?.close();
    t = null;
  });

  it("POST /admin (form) exchanges the token for the cookie; the script no longer builds ?token=", async () => {
    t = await startTestApp();
    const admin = await t.adminToken();
    const form = { "content-type": "application/x-www-form-urlencoded", "sec-fetch-site": "same-origin" };
    const signedIn = await t.service.app.request("/admin?lang=en", { method: "POST", headers: form, body: new URLSearchParams({ token: admin }).toString() });
    expect(signedIn.status).toBe(303);
    expect(signedIn.headers.get("location")).toBe("/admin?lang=en");
    const cookie = cookieOf(signedIn.headers);
    expect(cookie).toMatch(/^relance_admin=ey/);
    expect((await t.call("GET", `${P}/admin/messages`, { headers: { cookie } })).status).toBe(200);

    // A cross-site form cannot sign a browser in (login CSRF).
    const crossSite = await t.service.app.request("/admin", { method: "POST", headers: { ...form, "sec-fetch-site": "cross-site" }, body: new URLSearchParams({ token: admin }).toString() });
    expect(crossSite.status).toBe(403);
    expect(crossSite.headers.get("set-cookie")).toBeNull();

    const script = await t.call("GET", "/assets/session.js");
    expect(script.body).not.toContain("?token=");
  });

  // The rest of L12: the console took an admin API token (24 h) from `GET /admin?token=`, so the
  // token went through request lines, proxy and access logs. It is now only ever posted.
  it("GET /admin?token=<admin JWT> opens no session: the token is dropped from the address and the form asks for it", async () => {
    t = await startTestApp();
    const admin = await t.adminToken();
    const inUrl = await t.call("GET", `/admin?token=${admin}&lang=en`);
    expect(inUrl.status).toBe(303);
    expect(inUrl.headers.get("set-cookie")).toBeNull();
    const location = inUrl.headers.get("location")!;
    expect(location).not.toContain(admin);
    expect(location).toBe("/admin?lang=en&notice=token-in-url");
    const page = await t.call("GET", location);
    expect(page.status).toBe(200);
    const data = JSON.parse(/<script type="application\/json" id="page-data">([\s\S]*?)<\/script>/.exec(page.body)![1]!);
    expect(data.session).toBeNull();
    expect(data.notice).toBe("token-in-url");
    expect(data.strings.tokenInUrl).toMatch(/paste/i);
    // An admin already signed in (cookie) keeps their session; the URL's token is still ignored.
    const form = { "content-type": "application/x-www-form-urlencoded", "sec-fetch-site": "same-origin" };
    // Its form posts to the address it is at; once signed in, the notice is gone from it.
    const signedIn = await t.service.app.request(location, { method: "POST", headers: form, body: new URLSearchParams({ token: admin }).toString() });
    expect(signedIn.headers.get("location")).toBe("/admin?lang=en");
    const cookie = cookieOf(signedIn.headers);
    const again = await t.call("GET", `/admin?token=${admin}`, { headers: { cookie } });
    expect(again.status).toBe(303);
    expect(again.headers.get("set-cookie")).toBeNull();
    expect((await t.call("GET", `${P}/admin/messages`, { headers: { cookie } })).status).toBe(200);
  });
});
