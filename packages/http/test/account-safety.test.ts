import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../src/index.js";
import { startTestApp, type TestApp } from "./support/test-app.js";

const P = "/api/relance";
const svc = { service: true };
const HOUR = 3_600_000;
let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

/** A linked referrer r1 with `referrals` referrals enrolled and two day messages, Monday 09:00 in Paris. */
async function linked(app: TestApp, referrals: number) {
  await app.call("POST", `${P}/sandbox/clock`, { body: { now: "2026-01-05T08:00:00.000Z" } });
  const admin = await app.adminToken();
  for (const dayNumber of [1, 2]) await app.call("POST", `${P}/admin/messages`, { token: admin, body: { dayNumber, messageTemplate: { fr: `Jour ${dayNumber} {{firstName}}` } } });
  await app.call("POST", `${P}/internal/subscriptions`, { ...svc, body: { userId: "r1", active: true, name: "Jean Martin" } });
  for (let i = 0; i < referrals; i++) {
    await app.call("POST", `${P}/internal/referrals`, {
      ...svc,
      body: { referrerId: "r1", referral: { userId: `u${i}`, phone: `+336111111${String(i).padStart(2, "0")}`, name: `Client ${i}`, createdAt: "2020-01-01T00:00:00Z" } },
    });
  }
  await app.call("POST", `${P}/connect`, { token: await app.referrerToken("r1"), body: {} });
  await app.call("POST", `${P}/sandbox/link`, { body: { userId: "r1", phone: "+33600000001" } });
  expect((await app.call("POST", `${P}/internal/jobs/enrollment/run`, svc)).body).toMatchObject({ enrolled: referrals });
}

describe("account safety over HTTP (issue 21)", () => {
  it("Status carries the sender's health and day start; the admin console lists the senders at risk first", async () => {
    t = await startTestApp({ RELANCE_SENDER_HEALTH: "on", RELANCE_DAY_START_SPREAD_MS: "0" });
    await linked(t, 12);
    const token = await t.referrerToken("r1");
    expect((await t.call("POST", `${P}/internal/jobs/dispatch/run`, svc)).body).toMatchObject({ sent: 12 });
    const fresh = (await t.call("GET", `${P}/status`, { token })).body;
    expect(fresh).toMatchObject({ health: { state: "good", reason: null, deliveredShare: null }, newChatQuota: null, dayStartsAt: "08:00" });

    // None of the 12 was delivered 7 h later: at risk.
    await t.call("POST", `${P}/sandbox/clock`, { body: { advanceMs: 7 * HOUR } });
    const status = (await t.call("GET", `${P}/status`, { token })).body;
    expect(status.health).toEqual({ state: "at_risk", reason: expect.stringContaining("delivered"), deliveredShare: 0 });

    const senders = await t.call("GET", `${P}/admin/senders`, { token: await t.adminToken() });
    expect(senders.status).toBe(200);
    expect(senders.body.items).toEqual([expect.objectContaining({ referrerUserId: "r1", phone: "+33600000001", health: status.health })]);
    expect((await t.call("GET", `${P}/admin/senders`, { token })).status).toBe(403);

    // Day 2 is held, no attempt counted.
    await t.call("POST", `${P}/sandbox/clock`, { body: { advanceMs: 17 * HOUR } });
    expect((await t.call("POST", `${P}/internal/jobs/dispatch/run`, svc)).body).toMatchObject({ sent: 0, failed: 0 });
    expect((await t.call("GET", `${P}/sandbox/outbox?referrerId=r1`)).body.items).toHaveLength(12);

    const page = await t.service.app.request("/admin");
    const html = await page.text();
    expect(html).toContain('id="senders-table"');
  });

  it("the env schema carries the pacing and health options, with their defaults", () => {
    const base = { NODE_ENV: "test", RELANCE_STORAGE: "memory", RELANCE_TRANSPORT: "sandbox" };
    const config = loadConfig(base);
    expect(config).toMatchObject({
      RELANCE_FIRST_CONTACT_GAP_MS: { min: 45_000, max: 120_000 },
      RELANCE_DAY_START_SPREAD_MS: 3 * HOUR,
      RELANCE_SENDER_HEALTH: "on",
      RELANCE_HEALTH_DEGRADED_BELOW: 0.8,
      RELANCE_HEALTH_AT_RISK_BELOW: 0.5,
      RELANCE_HEALTH_DELIVERED_AFTER_MS: 6 * HOUR,
      RELANCE_HEALTH_COOL_DOWN_MS: 24 * HOUR,
    });
    expect(loadConfig({ ...base, RELANCE_FIRST_CONTACT_GAP_MS: "60000-90000" }).RELANCE_FIRST_CONTACT_GAP_MS).toEqual({ min: 60_000, max: 90_000 });
    expect(() => loadConfig({ ...base, RELANCE_FIRST_CONTACT_GAP_MS: "90000-60000" })).toThrow();
    expect(() => loadConfig({ ...base, RELANCE_HEALTH_AT_RISK_BELOW: "1.5" })).toThrow();
  });
});
