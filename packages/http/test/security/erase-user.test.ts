import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/index.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

describe("security 9: erase-user endpoint and retention setting", () => {
  let t: TestApp | null = null;
  afterEach(async () => {
    await t?.close();
    t = null;
  });

  it("POST /internal/erase-user removes the person's records; only callers allowed erase-user may call it", async () => {
    t = await startTestApp({ RELANCE_SERVICE_SECRETS: `gdpr:${"G7hJ4kL9zX5cV0bN3mQ8wE1rTy6UqZr8vLk2Xw9PmT4"}:erase-user,feed:${"Zx9Cv8Bn7Mq6Wl5Ek4Rj3Th2Yg1Uf0IdOsPaLkJhGfD"}:referrals+subscriptions`, RELANCE_SERVICE_SECRET: "test-service-secret-0123456789ab" });
    await t.call("POST", "/api/relance/internal/referrals", { service: true, body: { referrerId: "r1", referral: { userId: "u1", phone: "+33611111111", name: "Léa", paymentLink: "https://pay.example/u1" } } });
    const feed = { secret: "Zx9Cv8Bn7Mq6Wl5Ek4Rj3Th2Yg1Uf0IdOsPaLkJhGfD", name: "feed" };
    expect((await t.call("POST", "/api/relance/internal/erase-user", { service: feed, body: { userId: "u1" } })).status).toBe(403);
    const erased = await t.call("POST", "/api/relance/internal/erase-user", { service: { secret: "G7hJ4kL9zX5cV0bN3mQ8wE1rTy6UqZr8vLk2Xw9PmT4", name: "gdpr" }, body: { userId: "u1" } });
    expect(erased.status).toBe(200);
    expect(erased.body).toEqual({ targets: 0, directoryRecords: 1, config: false, session: false });
    expect(await t.service.storage.directory.getReferrals("r1", ["u1"])).toEqual([]);
  });

  it("reads RELANCE_RETENTION_DAYS (default 90 days, off keeps contacts)", () => {
    expect(loadConfig({}).RELANCE_RETENTION_DAYS).toBe(90);
    expect(loadConfig({ RELANCE_RETENTION_DAYS: "30" }).RELANCE_RETENTION_DAYS).toBe(30);
    expect(loadConfig({ RELANCE_RETENTION_DAYS: "off" }).RELANCE_RETENTION_DAYS).toBeNull();
    expect(() => loadConfig({ RELANCE_RETENTION_DAYS: "0" })).toThrow(/RELANCE_RETENTION_DAYS/);
  });
});
