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
    // r1's recipients never acknowledge anything (the sandbox's are healthy unless told so).
    await t.call("POST", `${P}/sandbox/population`, { body: { referrerId: "r1", delivered: 0 } });
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

  it("a plain sandbox (no population set) behaves like healthy recipients: over simulated days with the real pacing and health defaults, the account stays good", { timeout: 60_000 }, async () => {
    // The real defaults: first contacts 45-120 s apart, day starts spread over 3 h, health on.
    t = await startTestApp({ RELANCE_SENDER_HEALTH: "on", RELANCE_FIRST_CONTACT_GAP_MS: "45000-120000", RELANCE_DAY_START_SPREAD_MS: String(3 * HOUR) });
    await linked(t, 12);
    const token = await t.referrerToken("r1");
    const states = new Set<string>();
    let sent = 0;
    // Three days, the dispatch job every 30 simulated minutes (the sandbox's clock moves the recipients).
    for (let step = 0; step < (3 * 24 * HOUR) / (HOUR / 2); step++) {
      sent += (await t.call("POST", `${P}/internal/jobs/dispatch/run`, svc)).body.sent;
      await t.call("POST", `${P}/sandbox/clock`, { body: { advanceMs: HOUR / 2 } });
      const health = (await t.call("GET", `${P}/status`, { token })).body.health;
      states.add(health.state);
    }
    // Both days' messages left (12 first contacts, then 12 follow-ups), were delivered, and judged so.
    expect(sent).toBe(24);
    expect([...states]).toEqual(["good"]);
    expect((await t.call("GET", `${P}/status`, { token })).body.health).toEqual({ state: "good", reason: null, deliveredShare: 1 });
    const stats = (await t.call("GET", `${P}/stats`, { token })).body;
    expect(stats.messages.read).toBeGreaterThan(0);
  });

  it("over simulated days through POST /sandbox/population: an account whose messages are never delivered goes at_risk and stops while the healthy ones keep their pace; it recovers once deliveries return", { timeout: 120_000 }, async () => {
    // The real pacing and health defaults.
    t = await startTestApp({ RELANCE_SENDER_HEALTH: "on", RELANCE_FIRST_CONTACT_GAP_MS: "45000-120000", RELANCE_DAY_START_SPREAD_MS: String(3 * HOUR) });
    const referrers = ["r1", "r2", "muted"];
    const PER = 12;
    await t.call("POST", `${P}/sandbox/clock`, { body: { now: "2026-01-05T06:00:00.000Z" } });
    const admin = await t.adminToken();
    for (let dayNumber = 1; dayNumber <= 7; dayNumber++) await t.call("POST", `${P}/admin/messages`, { token: admin, body: { dayNumber, messageTemplate: { fr: `Jour ${dayNumber} {{firstName}}` } } });
    for (const [r, id] of referrers.entries()) {
      const phone = `+3360000000${r + 1}`;
      await t.call("POST", `${P}/internal/subscriptions`, { ...svc, body: { userId: id, active: true, name: id, phone } });
      for (let i = 0; i < PER; i++) {
        const referral = { userId: `${id}-u${i}`, phone: `+3361${r}${String(i).padStart(6, "0")}`, name: `Client ${i}`, createdAt: "2020-01-01T00:00:00Z" };
        await t.call("POST", `${P}/internal/referrals`, { ...svc, body: { referrerId: id, referral } });
      }
      await t.call("POST", `${P}/sandbox/link`, { body: { userId: id, phone } });
    }
    // Everyone's recipients read and deliver (the default); the muted account's never acknowledge.
    await t.call("POST", `${P}/sandbox/population`, { body: { read: 0.5, seed: 4 } });
    await t.call("POST", `${P}/sandbox/population`, { body: { referrerId: "muted", delivered: 0, seed: 4 } });
    expect((await t.call("POST", `${P}/internal/jobs/enrollment/run`, svc)).body).toMatchObject({ enrolled: referrers.length * PER });

    const health = async (id: string) => (await t!.call("GET", `${P}/status`, { token: await t!.referrerToken(id) })).body.health;
    const outbox = async (id: string): Promise<Array<{ day: number; sentAt: string }>> => (await t!.call("GET", `${P}/sandbox/outbox?referrerId=${id}`)).body.items;
    const seen: Record<string, Set<string>> = { r1: new Set(), r2: new Set(), muted: new Set() };
    /** The dispatch job every 30 simulated minutes for `hours`, noting each account's health. */
    const run = async (hours: number) => {
      for (let step = 0; step < hours * 2; step++) {
        await t!.call("POST", `${P}/internal/jobs/dispatch/run`, svc);
        await t!.call("POST", `${P}/sandbox/clock`, { body: { advanceMs: HOUR / 2 } });
        for (const id of referrers) seen[id]!.add((await health(id)).state);
      }
    };

    // Days 1 and 2.
    await run(48);
    const onDay = async (id: string, day: number) => (await outbox(id)).filter((item) => item.day === day);
    for (const id of ["r1", "r2"]) {
      expect(await onDay(id, 1), id).toHaveLength(PER);
      expect(await onDay(id, 2), id).toHaveLength(PER);
      // First contacts left 45-120 s apart (their pace), and the account stayed good throughout.
      const firsts = (await onDay(id, 1)).map((item) => Date.parse(item.sentAt));
      for (let i = 1; i < firsts.length; i++) {
        expect(firsts[i]! - firsts[i - 1]!).toBeGreaterThanOrEqual(45_000);
        expect(firsts[i]! - firsts[i - 1]!).toBeLessThanOrEqual(120_000);
      }
      expect([...seen[id]!], id).toEqual(["good"]);
      expect(await health(id)).toEqual({ state: "good", reason: null, deliveredShare: 1 });
    }
    // The muted account sent its first day, was judged at risk once its messages were 6 h old, and stopped.
    expect(await onDay("muted", 1)).toHaveLength(PER);
    expect(await onDay("muted", 2)).toHaveLength(0);
    expect(await health("muted")).toEqual({ state: "at_risk", reason: expect.stringContaining("delivered"), deliveredShare: 0 });
    const held = (await t.call("GET", `${P}/targets`, { token: await t.referrerToken("muted") })).body.items;
    expect(held).toHaveLength(PER);
    expect(held.every((target: { status: string; currentDay: number }) => target.status === "active" && target.currentDay === 2)).toBe(true);

    // Its recipients' phones come back; after the cool-down the account is judged afresh and resumes.
    await t.call("POST", `${P}/sandbox/population`, { body: { referrerId: "muted", delivered: 1, seed: 4 } });
    await run(24);
    expect(await onDay("muted", 2)).toHaveLength(PER);
    await run(12);
    expect(await health("muted")).toEqual({ state: "good", reason: null, deliveredShare: 1 });
    // Meanwhile the healthy accounts kept their daily rhythm.
    for (const id of ["r1", "r2"]) expect(await onDay(id, 3), id).toHaveLength(PER);
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
