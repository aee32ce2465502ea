import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CLIENT_SCRIPTS, transpileClientScript } from "../src/pages/client-scripts.js";
import { pickLanguage } from "../src/pages/i18n.js";
import { useTestApp } from "./support/test-app.js";

const P = "/api/relance";
const t = useTestApp();

async function get(path: string, headers: Record<string, string> = {}) {
  const response = await t.service.app.request(path, { headers });
  return { status: response.status, type: response.headers.get("content-type") ?? "", headers: response.headers, text: await response.text() };
}

describe("page language", () => {
  it("is French unless English comes first among fr/en (q-values honoured), or ?lang= says so", () => {
    expect(pickLanguage(undefined)).toBe("fr");
    expect(pickLanguage("de-DE,de;q=0.9")).toBe("fr");
    expect(pickLanguage("en-GB,en;q=0.9,fr;q=0.8")).toBe("en");
    expect(pickLanguage("fr-FR,fr;q=0.9,en;q=0.8")).toBe("fr");
    expect(pickLanguage("de;q=1, fr;q=0.5, en;q=0.7")).toBe("en");
    expect(pickLanguage("en;q=0, fr")).toBe("fr");
    expect(pickLanguage("en-US", "fr")).toBe("fr");
    expect(pickLanguage(undefined, "en")).toBe("en");
  });
});

describe("pages", () => {
  it("GET / is a page linking the connect page, the admin console and the API document", async () => {
    const home = await get("/");
    expect(home.status).toBe(200);
    expect(home.type).toContain("text/html");
    for (const href of ['href="/connect"', 'href="/admin"', 'href="/openapi.json"']) expect(home.text).toContain(href);
    expect(home.text).toContain('<html lang="fr">');
    expect((await get("/", { "accept-language": "en-US,en;q=0.9" })).text).toContain('<html lang="en">');
  });

  it("the connect and admin pages are never cached nor sent on as a Referer, and load no inline script", async () => {
    for (const path of ["/connect", "/admin"]) {
      const page = await get(path);
      expect(page.status).toBe(200);
      expect(page.headers.get("cache-control")).toBe("no-store");
      expect(page.headers.get("referrer-policy")).toBe("no-referrer");
      // Only JSON data and external scripts: a strict CSP can forbid inline code.
      const inline = [...page.text.matchAll(/<script(?![^>]*\bsrc=)([^>]*)>/g)].map((m) => m[1]);
      expect(inline.every((attributes) => attributes!.includes('type="application/json"'))).toBe(true);
    }
  });

  it("page data cannot close its script element", async () => {
    const page = await get("/admin");
    const data = /<script type="application\/json" id="page-data">([\s\S]*?)<\/script>/.exec(page.text)![1]!;
    expect(JSON.parse(data).strings.heading).toBe("Console Relance");
  });

  it("assets are served locally, Chart.js included; unknown ones are 404", async () => {
    const chart = await get("/assets/chart.umd.min.js");
    expect(chart.status).toBe(200);
    expect(chart.type).toContain("javascript");
    expect(chart.text).toContain("Chart.js v4");
    for (const name of ["session.js", "connect.js", "connect-words.js", "admin.js", "admin-stats.js", "pages.css"]) expect((await get(`/assets/${name}`)).status).toBe(200);
    expect((await get("/assets/nope.js")).status).toBe(404);
    expect((await get("/assets/..%2Fpackage.json")).status).toBe(404);
  });

  it("/favicon.ico answers 204 (no icon), cached, documented — not a 404 on every page view", async () => {
    const icon = await get("/favicon.ico");
    expect(icon.status).toBe(204);
    expect(icon.text).toBe("");
    expect(icon.headers.get("cache-control")).toBe("public, max-age=86400");
    const document = (await t.call("GET", "/openapi.json")).body;
    expect(Object.keys(document.paths["/favicon.ico"].get.responses)).toContain("204");
  });

  it("names of Object.prototype are unknown assets, 404 and not a 500 (security review 2, L9)", async () => {
    for (const name of ["constructor", "__proto__", "toString", "hasOwnProperty", "valueOf"]) expect((await get(`/assets/${name}`)).status).toBe(404);
  });
});

// Issue 23, item 5: the browser scripts were JavaScript inside String.raw strings, never checked.
describe("page scripts are TypeScript modules", () => {
  const ROOT = join(import.meta.dirname, "..", "..", "..");
  const CLIENT = join(import.meta.dirname, "..", "src", "pages", "client");

  it("each /assets/<name>.js is its pages/client/<name>.ts module, transpiled (no types left, imports kept relative)", async () => {
    const modules = readdirSync(CLIENT).filter((name) => name.endsWith(".ts") && !name.endsWith(".d.ts"));
    // Every module with code to run is served; a types-only one transpiles to nothing.
    const running: string[] = [];
    for (const name of modules) if ((await transpileClientScript(readFileSync(join(CLIENT, name), "utf8"), name)).trim() !== "") running.push(name);
    expect(running.sort()).toEqual(CLIENT_SCRIPTS.map((name) => `${name}.ts`).sort());
    for (const name of CLIENT_SCRIPTS) {
      const source = readFileSync(join(CLIENT, `${name}.ts`), "utf8");
      expect(source, name).not.toContain("String.raw");
      const served = await get(`/assets/${name}.js`);
      expect(served.status, name).toBe(200);
      expect(served.text, name).toBe(await transpileClientScript(source, `pages/client/${name}.ts`));
      expect(served.text, name).not.toMatch(/\binterface\s|import type|\((\w+): (string|number|boolean)\b/);
    }
    expect((await get("/assets/admin.js")).text).toMatch(/from "\.\/session\.js"/);
  });

  it("are checked against the DOM by their own tsconfig, which npm run typecheck runs", () => {
    const tsconfig = JSON.parse(readFileSync(join(CLIENT, "tsconfig.json"), "utf8"));
    expect(tsconfig.compilerOptions.lib).toContain("DOM");
    expect(tsconfig.compilerOptions.strict).toBe(true);
    expect(tsconfig.include).toEqual(["*.ts"]);
    const scripts = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).scripts;
    expect(scripts.typecheck).toContain("tsc -p packages/http/src/pages/client/tsconfig.json");
    // The server's own configurations leave them out (Node's lib has no DOM).
    expect(JSON.parse(readFileSync(join(ROOT, "tsconfig.json"), "utf8")).exclude).toContain("packages/http/src/pages/client");
  });
});

describe("admin console endpoints", () => {
  it("need an admin token", async () => {
    expect((await t.call("GET", `${P}/admin/targets`)).status).toBe(401);
    expect((await t.call("GET", `${P}/admin/funnel`, { token: await t.referrerToken("r1") })).status).toBe(403);
  });

  it("list every referrer's targets by referrer and status, and count the funnel per day", async () => {
    const admin = await t.adminToken();
    await t.call("POST", `${P}/sandbox/clock`, { body: { now: "2026-01-05T08:00:00.000Z" } });
    await t.call("POST", `${P}/admin/messages`, { token: admin, body: { dayNumber: 1, messageTemplate: { fr: "J1" } } });
    await t.call("POST", `${P}/admin/messages`, { token: admin, body: { dayNumber: 2, messageTemplate: { fr: "J2" } } });
    for (const referrer of ["r1", "r2"]) {
      await t.call("POST", `${P}/internal/subscriptions`, { service: true, body: { userId: referrer, active: true } });
      await t.call("POST", `${P}/connect`, { token: await t.referrerToken(referrer), body: {} });
      await t.call("POST", `${P}/sandbox/link`, { body: { userId: referrer, phone: referrer === "r1" ? "+33600000001" : "+33600000002" } });
    }
    const referrals = [["r1", "a", "+33611111110"], ["r1", "b", "+33611111111"], ["r2", "c", "+33611111112"]] as const;
    for (const [referrerId, userId, phone] of referrals) {
      await t.call("POST", `${P}/internal/referrals`, { service: true, body: { referrerId, referral: { userId, phone, name: userId, createdAt: "2026-01-05T06:00:00.000Z" } } });
    }
    await t.call("POST", `${P}/internal/jobs/enrollment/run`, { service: true });
    await t.call("POST", `${P}/internal/jobs/dispatch/run`, { service: true });
    await t.call("POST", `${P}/internal/exit-user`, { service: true, body: { userId: "b" } });
    await t.call("POST", `${P}/sandbox/clock`, { body: { advanceMs: 24 * 3_600_000 } });
    await t.call("POST", `${P}/internal/jobs/dispatch/run`, { service: true });

    const all = await t.call("GET", `${P}/admin/targets?limit=2`, { token: admin });
    expect(all.status).toBe(200);
    expect(all.body.items).toHaveLength(2);
    const rest = await t.call("GET", `${P}/admin/targets?cursor=${encodeURIComponent(all.body.nextCursor)}`, { token: admin });
    expect([...all.body.items, ...rest.body.items].map((x: any) => x.referralUserId).sort()).toEqual(["a", "b", "c"]);
    const exitedOfR1 = await t.call("GET", `${P}/admin/targets?referrerId=r1&status=exited`, { token: admin });
    expect(exitedOfR1.body.items.map((x: any) => [x.referralUserId, x.exitReason])).toEqual([["b", "paid"]]);
    expect((await t.call("GET", `${P}/admin/targets?status=paused`, { token: admin })).status).toBe(400);
    expect((await t.call("GET", `${P}/admin/targets?owner=r1`, { token: admin })).status).toBe(400);

    expect((await t.call("GET", `${P}/admin/funnel`, { token: admin })).body).toEqual({ enrolled: 3, sentByDay: { "1": 3, "2": 2 } });
    expect((await t.call("GET", `${P}/admin/funnel?referrerId=r1`, { token: admin })).body).toEqual({ enrolled: 2, sentByDay: { "1": 2, "2": 1 } });
  });
});
