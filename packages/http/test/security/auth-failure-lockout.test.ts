import { afterEach, describe, expect, it } from "vitest";
import { resolveClientAddress } from "../../src/app/rate-limits.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

// Security review 2, M2: 30 bad requests from an address blocked every request from it, the
// platform's payment calls and /health included, and behind a proxy the key was the client-chosen
// first X-Forwarded-For entry.
describe("security M2: the failed-login limit is not a lockout switch", () => {
  let t: TestApp | null = null;
  afterEach(async () => {
    await t?.close();
    t = null;
  });

  async function exhausted(env: Record<string, string> = {}, headers: Record<string, string> = {}) {
    t = await startTestApp({ RELANCE_AUTH_FAILURE_LIMIT: "3/600", ...env });
    for (let i = 0; i < 4; i++) await t.call("GET", "/api/relance/status", { token: "nope", headers });
    expect((await t.call("GET", "/api/relance/status", { token: "nope", headers })).status).toBe(429);
    return t;
  }

  it("never refuses valid credentials from a limited address: the platform's exit-user still lands", async () => {
    const app = await exhausted();
    const exit = await app.call("POST", "/api/relance/internal/exit-user", { service: true, body: { userId: "u1", reason: "paid" } });
    expect(exit.status).toBe(200);
    expect((await app.call("GET", "/api/relance/status", { token: await app.referrerToken("r1") })).status).not.toBe(429);
  });

  it("leaves /health and /ready out of it", async () => {
    const app = await exhausted();
    expect((await app.call("GET", "/health")).status).toBe(200);
    expect((await app.call("GET", "/ready")).status).not.toBe(429);
  });

  it("behind one trusted proxy, keys on the right-most X-Forwarded-For entry, not the client-chosen first", async () => {
    t = await startTestApp({ RELANCE_AUTH_FAILURE_LIMIT: "3/600", RELANCE_TRUST_PROXY: "1" });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const headers = { "x-forwarded-for": `10.9.9.${i}, 203.0.113.7` };
      statuses.push((await t.call("GET", "/api/relance/status", { token: "nope", headers })).status);
    }
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
    // Another client behind the same proxy is not affected.
    expect((await t.call("GET", "/api/relance/status", { token: "nope", headers: { "x-forwarded-for": "203.0.113.8" } })).status).toBe(401);
  });

  it("with a trusted proxy list, skips the listed hops from the right; an untrusted peer is the client", () => {
    const trusted = { proxies: ["10.0.0.1", "10.0.0.2"] };
    expect(resolveClientAddress("10.0.0.2", "spoof, 198.51.100.4, 10.0.0.1", trusted)).toBe("198.51.100.4");
    expect(resolveClientAddress("10.0.0.2", "10.0.0.1", trusted)).toBe("10.0.0.1");
    expect(resolveClientAddress("198.51.100.9", "spoof", trusted)).toBe("198.51.100.9");
    expect(resolveClientAddress("10.0.0.2", undefined, trusted)).toBe("10.0.0.2");
    // A hop count: the n-th entry from the right, never further left than the list goes.
    expect(resolveClientAddress("10.0.0.2", "spoof, 198.51.100.4, 10.0.0.1", { hops: 2 })).toBe("198.51.100.4");
    expect(resolveClientAddress("10.0.0.2", "198.51.100.4", { hops: 2 })).toBe("198.51.100.4");
    expect(resolveClientAddress("10.0.0.2", "spoof", null)).toBe("10.0.0.2");
  });
});
