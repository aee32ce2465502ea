import { randomBytes } from "node:crypto";
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { ConfigError, createLogger, loadConfig, startService } from "../../src/index.js";
import { JWT_SECRET, SESSION_SECRET, startTestApp } from "../support/test-app.js";
import { sign } from "hono/jwt";

const strong = () => randomBytes(32).toString("base64url");
const production = () => ({
  NODE_ENV: "production",
  RELANCE_JWT_SECRET: strong(),
  WHATSAPP_SESSION_SECRET: strong(),
  RELANCE_CONTACT_KEY_SECRET: strong(),
  RELANCE_SERVICE_SECRETS: `user-service:${strong()}:subscriptions+referrals+exit-user+erase-user,billing:${strong()}:exit-user`,
  RELANCE_PUBLIC_URL: "https://relance.example.com",
  RELANCE_JWT_AUDIENCE: "relance-api",
});

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

// Security review 2, item 5 (the partly closed findings 2, 4 and 7).
describe("security 5: the shared service secret, links and secret strength", () => {
  it("production refuses the single RELANCE_SERVICE_SECRET (any caller name, every route): callers are named", () => {
    expect(problemsOf(production())).toEqual([]);
    expect(problemsOf({ ...production(), RELANCE_SERVICE_SECRET: strong() })).toEqual([expect.stringMatching(/^RELANCE_SERVICE_SECRET: refused in production .*RELANCE_SERVICE_SECRETS/)]);
    const { RELANCE_SERVICE_SECRETS: _, ...none } = production();
    expect(problemsOf(none)).toEqual([expect.stringMatching(/^RELANCE_SERVICE_SECRETS: required in production/)]);
    // Outside production the single secret still works (tests, development).
    expect(problemsOf({ NODE_ENV: "development", RELANCE_SERVICE_SECRET: strong() })).toEqual([]);
  });

  it("logs the caller of every internal call, and which route it called", async () => {
    const lines: string[] = [];
    const logger = createLogger("info", new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) }));
    const billing = strong();
    const config = loadConfig({
      NODE_ENV: "test",
      RELANCE_STORAGE: "memory",
      RELANCE_TRANSPORT: "sandbox",
      RELANCE_JOBS: "off",
      RELANCE_JWT_SECRET: JWT_SECRET,
      WHATSAPP_SESSION_SECRET: SESSION_SECRET,
      RELANCE_SERVICE_SECRETS: `billing:${billing}:exit-user`,
    });
    const service = await startService(config, { listen: false, logger });
    try {
      const response = await service.app.request("/api/relance/internal/exit-user", {
        method: "POST",
        headers: { authorization: `Bearer ${billing}`, "x-service-name": "billing", "content-type": "application/json" },
        body: JSON.stringify({ userId: "paid-referral" }),
      });
      expect(response.status).toBe(200);
      const audit = lines.map((line) => JSON.parse(line) as Record<string, unknown>).find((entry) => entry.msg === "internal call");
      expect(audit).toMatchObject({ serviceName: "billing", method: "POST", route: "/api/relance/internal/exit-user" });
      expect(lines.join("")).not.toContain(billing);
    } finally {
      await service.close();
    }
  });

  it("builds connect links from RELANCE_PUBLIC_URL, never from the Host header", async () => {
    const t = await startTestApp({ RELANCE_PUBLIC_URL: "https://relance.example.com/" });
    try {
      const token = await sign({ sub: "r1", exp: Math.floor(Date.now() / 1000) + 600 }, JWT_SECRET, "HS256");
      const minted = await t.call("POST", "/api/relance/connect-link", { token, headers: { host: "relance.attacker.example" } });
      expect(minted.status).toBe(200);
      expect(new URL(minted.body.url).origin).toBe("https://relance.example.com");
    } finally {
      await t.close();
    }
    // Without it (development, tests) the link is on the service's own local address, still not the Host.
    const local = await startTestApp();
    try {
      const minted = await local.call("POST", "/api/relance/connect-link", { token: await local.referrerToken("r1"), headers: { host: "relance.attacker.example" } });
      expect(new URL(minted.body.url).host).not.toBe("relance.attacker.example");
    } finally {
      await local.close();
    }
  });

  it("production requires RELANCE_PUBLIC_URL, over https", () => {
    const { RELANCE_PUBLIC_URL: _, ...without } = production();
    expect(problemsOf(without)).toEqual([expect.stringMatching(/^RELANCE_PUBLIC_URL: required in production/)]);
    expect(problemsOf({ ...production(), RELANCE_PUBLIC_URL: "http://relance.example.com" })).toEqual([expect.stringMatching(/^RELANCE_PUBLIC_URL: must be https:\/\//)]);
  });

  it("refuses secrets that only look long: alphabets, counting, repeated blocks", () => {
    for (const weak of [
      "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuv",
      "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
      "Kx7pQ2vL9mZ4wR8tKx7pQ2vL9mZ4wR8tKx7pQ2vL9mZ4wR8t",
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
    ]) {
      expect(problemsOf({ ...production(), RELANCE_JWT_SECRET: weak }), weak).toEqual([expect.stringMatching(/^RELANCE_JWT_SECRET: .*not random/)]);
    }
    for (let i = 0; i < 200; i++) expect(problemsOf({ ...production(), RELANCE_JWT_SECRET: strong() })).toEqual([]);
    for (let i = 0; i < 200; i++) expect(problemsOf({ ...production(), RELANCE_JWT_SECRET: randomBytes(32).toString("hex") })).toEqual([]);
    for (let i = 0; i < 200; i++) expect(problemsOf({ ...production(), RELANCE_JWT_SECRET: randomBytes(32).toString("base64") })).toEqual([]);
  });
});
