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

  // Security review 2, L4/M4: the platform's next sync pushed the erased (or paid) referral again,
  // and its number, name and payment link were stored again although nobody would ever message them.
  it("a referral the platform pushes again after its erasure or exit is not stored again", async () => {
    t = await startTestApp();
    const push = (userId: string) =>
      t!.call("POST", "/api/relance/internal/referrals", { service: true, body: { referrerId: "r1", referral: { userId, phone: "+33611111111", name: "Léa", paymentLink: "https://pay.example/x" } } });
    await push("u1");
    await push("u2");
    expect((await t.call("POST", "/api/relance/internal/erase-user", { service: true, body: { userId: "u1" } })).status).toBe(200);
    expect((await t.call("POST", "/api/relance/internal/exit-user", { service: true, body: { userId: "u2", reason: "paid" } })).status).toBe(200);
    expect((await push("u1")).status).toBe(200);
    expect((await push("u2")).status).toBe(200);
    expect(await t.service.storage.directory.getReferrals("r1", ["u1"])).toEqual([]);
    // The paid referral's record is the one it had (kept until retention), not a fresh copy.
    await push("u3");
    expect((await t.service.storage.directory.getReferrals("r1", ["u1", "u3"])).map((r) => r.userId)).toEqual(["u3"]);
  });

  it("reads RELANCE_RETENTION_DAYS (default 90 days, off keeps contacts)", () => {
    expect(loadConfig({}).RELANCE_RETENTION_DAYS).toBe(90);
    expect(loadConfig({ RELANCE_RETENTION_DAYS: "30" }).RELANCE_RETENTION_DAYS).toBe(30);
    expect(loadConfig({ RELANCE_RETENTION_DAYS: "off" }).RELANCE_RETENTION_DAYS).toBeNull();
    expect(() => loadConfig({ RELANCE_RETENTION_DAYS: "0" })).toThrow(/RELANCE_RETENTION_DAYS/);
  });
});

// Security review 2, M4 (rest) and L4: the tombstone holds a keyed hash of the number, so the
// same person pushed again under another user id is not messaged; the list never holds numbers.
describe("security M4: an erased number is not messaged under a new user id", () => {
  let t: TestApp | null = null;
  afterEach(async () => {
    await t?.close();
    t = null;
  });
  const P = "/api/relance";
  const push = (app: TestApp, userId: string, phone: string) =>
    app.call("POST", `${P}/internal/referrals`, { service: true, body: { referrerId: "ref-B", referral: { userId, phone, name: "Erin", createdAt: "2020-01-01T00:00:00.000Z" } } });

  it("erase, then the same number pushed as someone new: enrollment skips it", async () => {
    t = await startTestApp({ RELANCE_CONTACT_KEY_SECRET: "contact-key-secret-0123456789abcdef" });
    await t.call("POST", `${P}/internal/subscriptions`, { service: true, body: { userId: "ref-B", active: true, name: "B" } });
    await t.call("POST", `${P}/sandbox/link`, { body: { userId: "ref-B", phone: "+33600000002" } });
    await t.call("POST", `${P}/admin/messages`, { token: await t.adminToken(), body: { dayNumber: 1, messageTemplate: { fr: "Jour 1 {{name}}" } } });
    await push(t, "erin", "+33622220005");
    expect((await t.call("POST", `${P}/internal/jobs/enrollment/run`, { service: true })).body.enrolled).toBe(1);
    expect((await t.call("POST", `${P}/internal/erase-user`, { service: true, body: { userId: "erin" } })).status).toBe(200);

    await push(t, "erin-new-account", "+33622220005");
    expect((await t.call("POST", `${P}/internal/jobs/enrollment/run`, { service: true })).body.enrolled).toBe(0);
    // Neither the number nor the id behind it on the list: an HMAC under the server's secret.
    expect(await t.service.storage.doNotContact.has("+33622220005")).toBe(false);
  });

  it("a number the platform names at erasure is kept too (a referral erased before enrollment)", async () => {
    t = await startTestApp();
    await t.call("POST", `${P}/internal/subscriptions`, { service: true, body: { userId: "ref-B", active: true, name: "B" } });
    await t.call("POST", `${P}/sandbox/link`, { body: { userId: "ref-B", phone: "+33600000002" } });
    await push(t, "other", "+33622220007");
    await push(t, "fresh", "+33622220006");
    expect((await t.call("POST", `${P}/internal/erase-user`, { service: true, body: { userId: "fresh", phone: "+33622220006" } })).status).toBe(200);
    await push(t, "fresh-again", "+33622220006");
    // "other" is enrolled (the referrer can enroll); the erased number is not.
    expect((await t.call("POST", `${P}/internal/jobs/enrollment/run`, { service: true })).body.enrolled).toBe(1);
  });

  it("production requires RELANCE_CONTACT_KEY_SECRET", () => {
    const strong = () => "q3Zr8vLk2Xw9PmT4sYc7NbJ1hGf6DaE0uRiOpWxVzQk".split("").reverse().join("") + Math.random().toString(36).slice(2, 4);
    expect(() =>
      loadConfig({ NODE_ENV: "production", RELANCE_PUBLIC_URL: "https://relance.example.com", RELANCE_JWT_AUDIENCE: "relance-api", RELANCE_JWT_SECRET: strong(), RELANCE_SERVICE_SECRETS: `platform:${strong()}x`, WHATSAPP_SESSION_SECRET: strong() + "y" }),
    ).toThrow(/RELANCE_CONTACT_KEY_SECRET: required in production/);
  });
});
