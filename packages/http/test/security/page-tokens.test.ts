import { decode } from "hono/jwt";
import { afterEach, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "../support/test-app.js";

const cookieOf = (headers: Headers) => headers.get("set-cookie")?.split(";")[0] ?? "";

describe("security 4: page links, cookies, audiences and CSP", () => {
  let t: TestApp | null = null;
  afterEach(async () => {
    await t?.close();
    t = null;
  });

  it("exchanges a link's ?token= once for an HttpOnly SameSite=Strict cookie bounded in time, then redirects to the clean URL", async () => {
    t = await startTestApp();
    const minted = await t.call("POST", "/api/relance/connect-link", { token: await t.referrerToken("r1") });
    const token = new URL(minted.body.url).searchParams.get("token")!;
    const exchanged = await t.call("GET", `/connect?token=${token}&lang=en`);
    expect(exchanged.status).toBe(303);
    expect(exchanged.headers.get("location")).toBe("/connect?lang=en");
    const setCookie = exchanged.headers.get("set-cookie") ?? "";
    expect(setCookie).toMatch(/^relance_connect=/);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    const maxAge = Number(/Max-Age=(\d+)/.exec(setCookie)?.[1]);
    expect(maxAge).toBeGreaterThan(850);
    expect(maxAge).toBeLessThanOrEqual(900);

    const cookie = cookieOf(exchanged.headers);
    const page = await t.call("GET", "/connect?lang=en", { headers: { cookie } });
    expect(page.status).toBe(200);
    expect(page.body).not.toContain(token);
    expect(page.body).toContain('"subject":"r1"');
    // The API and its event stream take the cookie: no token in any URL.
    expect((await t.call("GET", "/api/relance/status", { headers: { cookie } })).status).toBe(200);
    expect((await t.call("GET", "/api/relance/status")).status).toBe(401);
    // An admin page does not take the connect page's cookie.
    expect((await t.call("GET", "/api/relance/admin/messages", { headers: { cookie } })).status).toBe(401);
  });

  it("puts a nonce-based CSP on every page, the nonce on every script", async () => {
    t = await startTestApp();
    for (const path of ["/", "/connect", "/admin"]) {
      const page = await t.call("GET", path);
      const csp = page.headers.get("content-security-policy") ?? "";
      const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
      expect(nonce, path).toBeTruthy();
      expect(csp).toMatch(/object-src 'none'/);
      expect(csp).toMatch(/frame-ancestors 'none'/);
      // Every script that runs (the page data is JSON, never executed).
      const scripts = (page.body as string).match(/<script[^>]*src=[^>]*>/g) ?? [];
      if (path !== "/") expect(scripts.length).toBeGreaterThan(0);
      for (const tag of scripts) expect(tag).toContain(`nonce="${nonce}"`);
    }
  });

  it("mints short-lived connect links that open the page but are refused on the API", async () => {
    t = await startTestApp();
    const minted = await t.call("POST", "/api/relance/connect-link", { token: await t.referrerToken("r1") });
    expect(minted.status).toBe(200);
    const link = new URL(minted.body.url);
    expect(link.pathname).toBe("/connect");
    const linkToken = link.searchParams.get("token")!;
    const { payload } = decode(linkToken);
    expect(payload).toMatchObject({ sub: "r1", aud: "relance-connect" });
    expect((payload.exp as number) - (payload.iat as number)).toBeLessThanOrEqual(600);
    expect(new Date(minted.body.expiresAt).getTime()).toBe((payload.exp as number) * 1000);

    const refused = await t.call("GET", "/api/relance/status", { token: linkToken });
    expect(refused.status).toBe(401);
    expect((await t.call("POST", "/api/relance/connect-link", { token: linkToken })).status).toBe(401);
    // The connect page takes it, and its cookie works for the page's own calls.
    const exchanged = await t.call("GET", `/connect?token=${linkToken}`);
    expect(exchanged.status).toBe(303);
    expect((await t.call("GET", "/api/relance/status", { headers: { cookie: cookieOf(exchanged.headers) } })).status).toBe(200);
    // Not the admin console.
    const admin = await t.call("GET", `/admin?token=${linkToken}`);
    expect(admin.headers.get("set-cookie") ?? "").not.toMatch(/relance_admin=ey/);
  });

  it("requires RELANCE_JWT_AUDIENCE on API tokens when set", async () => {
    t = await startTestApp({ RELANCE_JWT_AUDIENCE: "relance-api" });
    expect((await t.call("GET", "/api/relance/status", { token: await t.referrerToken("r1") })).status).toBe(401);
    expect((await t.call("GET", "/api/relance/status", { token: await t.referrerToken("r1", { aud: "relance-api" }) })).status).toBe(200);
    expect((await t.call("GET", "/api/relance/status", { token: await t.referrerToken("r1", { aud: ["other", "relance-api"] }) })).status).toBe(200);
  });

  // Security review 2, L1 (rest): SameSite=Strict does not stop a sibling subdomain from setting a
  // cookie of the same name on the parent domain (cookie tossing). A __Host- cookie can only be
  // set by this host itself, over https, for the whole path, without a Domain.
  it("names the page cookies __Host-… behind an https public address, and reads no other", async () => {
    t = await startTestApp({ RELANCE_PUBLIC_URL: "https://relance.example.com" });
    const minted = await t.call("POST", "/api/relance/connect-link", { token: await t.referrerToken("r1") });
    const token = new URL(minted.body.url).searchParams.get("token")!;
    const exchanged = await t.call("GET", `/connect?token=${token}`);
    const setCookie = exchanged.headers.get("set-cookie") ?? "";
    expect(setCookie).toMatch(/^__Host-relance_connect=ey/);
    expect(setCookie).toMatch(/; Secure/);
    expect(setCookie).toMatch(/; Path=\//);
    expect(setCookie).not.toMatch(/Domain=/i);
    const session = cookieOf(exchanged.headers).split("=").slice(1).join("=");
    expect((await t.call("GET", "/api/relance/status", { headers: { cookie: `__Host-relance_connect=${session}` } })).status).toBe(200);
    // The same value under the plain name (what a sibling subdomain could toss) opens nothing.
    expect((await t.call("GET", "/api/relance/status", { headers: { cookie: `relance_connect=${session}` } })).status).toBe(401);
    // The admin console's cookie too, and signing out clears it.
    // (Signed in through the console's form: an admin token is never taken from a URL.)
    const admin = await t.service.app.request("/admin", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", "sec-fetch-site": "same-origin" },
      body: new URLSearchParams({ token: await t.adminToken() }).toString(),
    });
    expect(admin.headers.get("set-cookie") ?? "").toMatch(/^__Host-relance_admin=ey.*; Secure/);
    const out = await t.call("GET", "/admin?signout=1");
    expect(out.headers.get("set-cookie") ?? "").toMatch(/^__Host-relance_admin=;.*Secure/);
  });
});
