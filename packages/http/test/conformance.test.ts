import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sign } from "hono/jwt";
import { ADMIN_COOKIE, CONNECT_COOKIE } from "../src/app/auth.js";
import type { Credentials, Operation } from "./support/conformance/cases.js";
import { formatReport, runConformance, undocumentedRoutes } from "./support/conformance/run.js";
import { JWT_SECRET, SERVICE_SECRET, startTestApp, type TestApp } from "./support/test-app.js";

// Issue 28: the project fuzzes itself. Requests are generated from the served /openapi.json
// (fast-check), answers checked against it (ajv): valid, invalid and unauthenticated requests for
// every operation. Seeded (RELANCE_FUZZ_SEED replays a run) and bounded (RELANCE_FUZZ_SCALE
// multiplies the number of runs; 1 is about two thousand requests).

const SEED = Number(process.env.RELANCE_FUZZ_SEED ?? 28_2026);
const SCALE = Number(process.env.RELANCE_FUZZ_SCALE ?? 1);
const BODY_LIMIT = 8192;
const ENV = {
  RELANCE_BODY_LIMIT_BYTES: String(BODY_LIMIT),
  // Thousands of refused credentials from one address: the lockout is tested on its own.
  RELANCE_AUTH_FAILURE_LIMIT: "off",
  RELANCE_CONNECT_RATE_LIMIT: "off",
  RELANCE_CONNECT_WAIT_MS: "50",
};

const now = () => Math.floor(Date.now() / 1000);
const kindOf = (op: Operation) => {
  const scheme = Object.keys(op.operation.security?.[0] ?? {})[0];
  if (scheme === "serviceSecret") return "service";
  if (scheme === "bearerJwt") return op.path.startsWith("/api/relance/admin/") ? "admin" : "referrer";
  return "none";
};

function credentialsOf(t: TestApp): Credentials {
  return {
    async valid(op): Promise<Record<string, string>> {
      switch (kindOf(op)) {
        case "service":
          return { authorization: `Bearer ${SERVICE_SECRET}`, "x-service-name": "platform" };
        case "admin":
          return { authorization: `Bearer ${await t.adminToken()}` };
        case "referrer":
          return { authorization: `Bearer ${await t.referrerToken("r1")}` };
        default:
          return {};
      }
    },
    async wrong(op): Promise<Array<{ name: string; headers: Record<string, string> }>> {
      const kind = kindOf(op);
      const foreign = await sign({ sub: "r1", role: "admin", exp: now() + 600 }, "another-secret-0123456789abcdef0123", "HS256");
      const expired = await sign({ sub: "r1", role: "admin", exp: now() - 60 }, JWT_SECRET, "HS256");
      const common: Array<{ name: string; headers: Record<string, string> }> = [
        { name: "none", headers: {} },
        { name: "garbage bearer", headers: { authorization: "Bearer not.a.token" } },
        { name: "basic", headers: { authorization: "Basic dXNlcjpwYXNz" } },
        { name: "foreign JWT", headers: { authorization: `Bearer ${foreign}` } },
        { name: "expired JWT", headers: { authorization: `Bearer ${expired}` } },
      ];
      if (kind === "service") {
        return [
          ...common,
          { name: "wrong secret", headers: { authorization: "Bearer wrong-secret-0123456789abcdef", "x-service-name": "platform" } },
          { name: "no service name", headers: { authorization: `Bearer ${SERVICE_SECRET}` } },
          { name: "admin JWT", headers: { authorization: `Bearer ${await t.adminToken()}`, "x-service-name": "platform" } },
        ];
      }
      const jwt = [...common, { name: "service secret", headers: { authorization: `Bearer ${SERVICE_SECRET}` } }];
      if (kind === "admin") jwt.push({ name: "referrer JWT", headers: { authorization: `Bearer ${await t.referrerToken("r1")}` } });
      // A page's cookie on a write sent from another site, or an origin not ours: CSRF (security review L1).
      if (op.method !== "GET") {
        const cookie = kind === "admin" ? `${ADMIN_COOKIE}=${await t.adminToken()}` : `${CONNECT_COOKIE}=${await t.referrerToken("r1")}`;
        jwt.push(
          { name: "cookie, cross-site", headers: { cookie, "sec-fetch-site": "cross-site" } },
          { name: "cookie, same-site", headers: { cookie, "sec-fetch-site": "same-site", origin: "https://user-content.platform.example" } },
          { name: "cookie, foreign origin", headers: { cookie, origin: "https://evil.example" } },
        );
      }
      return jwt;
    },
  };
}

describe("conformance: the edge against its own /openapi.json (issue 28)", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(ENV);
    // Some state, so that valid requests reach past "not found".
    const svc = { service: true } as const;
    await t.call("POST", "/api/relance/internal/subscriptions", { ...svc, body: { userId: "r1", active: true } });
    await t.call("POST", "/api/relance/internal/referrals", { ...svc, body: { referrerId: "r1", referral: { userId: "u1", phone: "+33611111111", name: "Léa" } } });
    await t.call("POST", "/api/relance/admin/messages", { token: await t.adminToken(), body: { dayNumber: 1, messageTemplate: { fr: "Bonjour {{firstName}}" } } });
    await t.call("POST", "/api/relance/sandbox/link", { body: { userId: "r1", phone: "+33600000001" } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it("answers every generated request as documented: no 5xx, documented status, type and body, refusals where the contract refuses", { timeout: 120_000 }, async () => {
    const document = (await t.call("GET", "/openapi.json")).body;
    const report = await runConformance(t.service.app, document, { seed: SEED, scale: SCALE, credentials: credentialsOf(t), limits: { bodyLimitBytes: BODY_LIMIT } });
    const text = formatReport(report);
    console.log(text);
    expect(report.operations).toBeGreaterThanOrEqual(39);
    expect(report.requests).toBeGreaterThan(1000 * SCALE);
    expect(report.undocumented, text).toEqual([]);
    expect(report.failures.map((f) => `${f.operation} [${f.category}]`), text).toEqual([]);
  });
});

describe("conformance: a route without a schema", () => {
  it("fails the run (served but not in /openapi.json)", async () => {
    const t = await startTestApp(ENV);
    try {
      t.service.app.post("/api/relance/internal/untyped", (c) => c.json({ ok: true }));
      const document = (await t.call("GET", "/openapi.json")).body;
      expect(undocumentedRoutes(t.service.app, document)).toEqual(["POST /api/relance/internal/untyped: served but not in /openapi.json"]);
    } finally {
      await t.close();
    }
  });
});
