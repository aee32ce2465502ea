import { afterEach, describe, expect, it, vi } from "vitest";
import { createMemoryStorage } from "@relance/adapters";
import { StorageRateLimitStore } from "../../src/app/rate-limits.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

describe("security 6: rate limits on failed authentication and on link requests", () => {
  let t: TestApp | null = null;
  afterEach(async () => {
    await t?.close();
    t = null;
  });

  it("refuses an address after too many failed authentications, with 429 and Retry-After", async () => {
    t = await startTestApp({ RELANCE_AUTH_FAILURE_LIMIT: "5/600" });
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await t.call("POST", "/api/relance/internal/jobs/enrollment/run", { service: { secret: `wrong-secret-${i}-0123456789` } })).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429, 429]);
    const limited = await t.call("GET", "/api/relance/status", { token: "not-a-jwt" });
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe("rate_limited");
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
  });

  it("does not count authenticated calls: a bulk feed is never slowed", async () => {
    t = await startTestApp({ RELANCE_AUTH_FAILURE_LIMIT: "5/600" });
    for (let i = 0; i < 30; i++) {
      const response = await t.call("POST", "/api/relance/internal/referrals", {
        service: true,
        body: { referrerId: "r1", referral: { userId: `u${i}`, phone: `+336000001${String(i).padStart(2, "0")}`, name: "A" } },
      });
      expect(response.status).toBe(200);
    }
  });

  it("limits connect and connect-link requests per referrer, not per address", async () => {
    t = await startTestApp({ RELANCE_CONNECT_RATE_LIMIT: "3/3600" });
    await t.call("POST", "/api/relance/internal/subscriptions", { service: true, body: { userId: "r1", active: true } });
    await t.call("POST", "/api/relance/internal/subscriptions", { service: true, body: { userId: "r2", active: true } });
    const r1 = await t.referrerToken("r1");
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await t.call("POST", "/api/relance/connect", { token: r1, body: { method: "qr" } })).status);
    expect(statuses.every((s) => s === 200 || s === 202)).toBe(true);
    const refused = await t.call("POST", "/api/relance/connect-link", { token: r1 });
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe("rate_limited");
    // Other referrers, and other calls of the same one, are unaffected.
    expect((await t.call("POST", "/api/relance/connect-link", { token: await t.referrerToken("r2") })).status).toBe(200);
    expect((await t.call("GET", "/api/relance/status", { token: r1 })).status).toBe(200);
  });

  it("shares the counts through the storage when asked (several instances)", async () => {
    t = await startTestApp({ RELANCE_AUTH_FAILURE_LIMIT: "2/600", RELANCE_RATE_LIMIT_STORE: "storage" });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await t.call("GET", "/api/relance/status", { token: "nope" })).status);
    expect(statuses).toEqual([401, 401, 429]);
    const keys = await t.service.storage.counters.get("ratelimit:auth:local", new Date(Math.floor(Date.now() / 600_000) * 600_000).toISOString());
    expect(keys).toBe(2);
  });
});

// Security review 2, M2 (rest): the storage store kept a row per address for ever (3000 distinct
// addresses: 3000 permanent rows). Rows of ended windows are now purged.
describe("security M2: limiter rows expire", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("the storage store purges the rows of ended windows when a new window starts", async () => {
    const storage = createMemoryStorage();
    await storage.init();
    const store = new StorageRateLimitStore(storage.counters, "auth");
    store.init({ windowMs: 600_000 });
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date("2026-12-05T10:00:00.000Z"));
    for (let i = 0; i < 50; i++) await store.increment(`198.51.100.${i}`);
    expect((await store.get("198.51.100.7")).totalHits).toBe(1);
    const firstWindow = "2026-12-05T10:00:00.000Z";
    expect(await storage.counters.get("ratelimit:auth:198.51.100.7", firstWindow)).toBe(1);

    vi.setSystemTime(new Date("2026-12-05T10:25:00.000Z"));
    await store.increment("203.0.113.1");
    for (let i = 0; i < 50; i++) expect(await storage.counters.get(`ratelimit:auth:198.51.100.${i}`, firstWindow)).toBe(0);
    expect((await store.get("203.0.113.1")).totalHits).toBe(1);
  });
});
