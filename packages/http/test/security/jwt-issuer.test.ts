import { sign } from "hono/jwt";
import { afterEach, describe, expect, it } from "vitest";
import { JWT_SECRET, startTestApp, type TestApp } from "../support/test-app.js";

const P = "/api/relance";
const ISSUER = "https://platform.example.com";
const cookieOf = (headers: Headers) => headers.get("set-cookie")?.split(";")[0] ?? "";
const token = (payload: Record<string, unknown>) => sign({ exp: Math.floor(Date.now() / 1000) + 3600, ...payload }, JWT_SECRET, "HS256");

/**
 * Security review 2, informational: "No `iss` check". With RELANCE_JWT_ISSUER set, an API token
 * must carry exactly that issuer; none, or another, is refused. Relance's own tokens (connect
 * links, page sessions) are told apart by their audiences and keep working.
 */
describe("security: the token issuer (RELANCE_JWT_ISSUER)", () => {
  let t: TestApp | null = null;
  afterEach(async () => {
    await t?.close();
    t = null;
  });

  it("refuses API tokens without iss or from another issuer, referrer and admin alike", async () => {
    t = await startTestApp({ RELANCE_JWT_ISSUER: ISSUER });
    const status = async (bearer: string) => (await t!.call("GET", `${P}/status`, { token: bearer }));
    expect((await status(await token({ sub: "r1", iss: ISSUER }))).status).toBe(200);
    const missing = await status(await token({ sub: "r1" }));
    expect(missing.status).toBe(401);
    expect(missing.body.error).toMatchObject({ code: "unauthorized", message: `Token issuer must be ${ISSUER}` });
    expect((await status(await token({ sub: "r1", iss: "https://other.example.com" }))).status).toBe(401);
    expect((await status(await token({ sub: "r1", iss: [ISSUER] }))).status).toBe(401);

    const admin = async (bearer: string) => (await t!.call("GET", `${P}/admin/messages`, { token: bearer })).status;
    expect(await admin(await token({ sub: "a", role: "admin", iss: ISSUER }))).toBe(200);
    expect(await admin(await token({ sub: "a", role: "admin" }))).toBe(401);
    expect(await admin(await token({ sub: "a", role: "admin", iss: "relance" }))).toBe(401);
  });

  it("the admin console takes no token without the issuer", async () => {
    t = await startTestApp({ RELANCE_JWT_ISSUER: ISSUER });
    // Signed in through the console's form (an admin token is never taken from a URL).
    const signIn = async (bearer: string) =>
      cookieOf(
        (
          await t!.service.app.request("/admin", {
            method: "POST",
            headers: { "content-type": "application/x-www-form-urlencoded", "sec-fetch-site": "same-origin" },
            body: new URLSearchParams({ token: bearer }).toString(),
          })
        ).headers,
      );
    expect(await signIn(await token({ sub: "a", role: "admin", iss: ISSUER }))).toMatch(/^relance_admin=ey/);
    expect(await signIn(await token({ sub: "a", role: "admin" }))).not.toMatch(/^relance_admin=ey/);
  });

  it("connect links and the connect page's session, Relance's own tokens, still work", async () => {
    t = await startTestApp({ RELANCE_JWT_ISSUER: ISSUER });
    const minted = await t.call("POST", `${P}/connect-link`, { token: await token({ sub: "r1", iss: ISSUER }) });
    expect(minted.status).toBe(200);
    const linkToken = new URL(minted.body.url).searchParams.get("token")!;
    const exchanged = await t.call("GET", `/connect?token=${linkToken}`);
    expect(exchanged.status).toBe(303);
    expect((await t.call("GET", `${P}/status`, { headers: { cookie: cookieOf(exchanged.headers) } })).status).toBe(200);
  });

  it("without RELANCE_JWT_ISSUER, iss is not checked (tokens with or without one)", async () => {
    t = await startTestApp();
    expect((await t.call("GET", `${P}/status`, { token: await token({ sub: "r1" }) })).status).toBe(200);
    expect((await t.call("GET", `${P}/status`, { token: await token({ sub: "r1", iss: "anyone" }) })).status).toBe(200);
  });
});
