import { afterEach, describe, expect, it } from "vitest";
import type { Target } from "@relance/core";
import { startTestApp, type TestApp } from "./support/test-app.js";

// Issue 21 item 4 over HTTP: POST /sandbox/population drives simulated recipients through the
// real service (enrollment, dispatch, receipts, replies, exit-user), on the sandbox's clock.

const P = "/api/relance";
const svc = { service: true };
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const REFERRERS = ["r1", "r2", "r3", "r4"];
const PER_REFERRER = 25; // the first-contact cap of a day: everyone starts on day 1

let apps: TestApp[] = [];
afterEach(async () => {
  await Promise.all(apps.map((a) => a.close()));
  apps = [];
});

async function app(): Promise<TestApp> {
  const t = await startTestApp();
  apps.push(t);
  return t;
}

async function ok(promise: Promise<{ status: number; body: any }>) {
  const response = await promise;
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body;
}

/** Four referrers × 25 referrals, 7 days of messages, the population set, 8 days run in 2 h steps. */
async function simulate(t: TestApp, seed: number): Promise<Target[]> {
  // Monday 08:00 in Paris.
  await ok(t.call("POST", `${P}/sandbox/clock`, { body: { now: "2026-01-05T07:00:00.000Z" } }));
  const admin = await t.adminToken();
  for (let day = 1; day <= 7; day++) {
    const created = await t.call("POST", `${P}/admin/messages`, { token: admin, body: { dayNumber: day, messageTemplate: { fr: `Jour ${day}, {{firstName}}` } } });
    expect(created.status).toBe(201);
  }
  for (const [r, referrer] of REFERRERS.entries()) {
    const phone = `+3360000000${r + 1}`;
    await ok(t.call("POST", `${P}/internal/subscriptions`, { ...svc, body: { userId: referrer, active: true, name: `Referrer ${r}`, phone } }));
    for (let i = 0; i < PER_REFERRER; i++) {
      const referral = { userId: `${referrer}-u${i}`, phone: `+3361${r}${String(i).padStart(6, "0")}`, name: `Client ${i}`, createdAt: "2026-01-01T00:00:00Z" };
      await ok(t.call("POST", `${P}/internal/referrals`, { ...svc, body: { referrerId: referrer, referral } }));
    }
    await ok(t.call("POST", `${P}/sandbox/link`, { body: { userId: referrer, phone } }));
  }
  await ok(t.call("POST", `${P}/sandbox/population`, { body: { read: 0.6, reply: 0.04, pay: { messaged: 0.3, notMessaged: 0.1 }, seed } }));
  // One referrer's messages are delivered half of the time.
  await ok(t.call("POST", `${P}/sandbox/population`, { body: { referrerId: "r4", delivered: 0.5, read: 0.6, pay: { messaged: 0.3, notMessaged: 0.1 }, seed } }));
  expect(await ok(t.call("POST", `${P}/internal/jobs/enrollment/run`, svc))).toMatchObject({ enrolled: REFERRERS.length * PER_REFERRER });
  for (let step = 0; step < (8 * DAY) / (2 * HOUR); step++) {
    await ok(t.call("POST", `${P}/internal/jobs/dispatch/run`, svc));
    await ok(t.call("POST", `${P}/sandbox/clock`, { body: { advanceMs: 2 * HOUR } }));
  }
  return (await t.service.storage.targets.list({}, { limit: 1000 })).items;
}

/** What a seed decides: per referral, how it left and what became of each message. */
const outcomes = (targets: Target[]) =>
  Object.fromEntries(targets.map((x) => [x.referralUserId, `${x.exitReason}:${x.messagesDelivered.map((d) => `${d.day}${d.status[0]}`).join(",")}`]));

describe("POST /sandbox/population", () => {
  it("refuses what is not a population, with the contract's error shape", async () => {
    const t = await app();
    for (const [body, field] of [
      [{ read: 1.5 }, "read"],
      [{ delivered: -0.1 }, "delivered"],
      [{ pay: { messaged: "0.2" } }, "pay.messaged"],
      [{ pay: { messaged: 0.2, later: 0.1 } }, "pay"],
      [{ seed: 1.5 }, "seed"],
      [{ referrerId: "" }, "referrerId"],
      [{ speed: 2 }, ""],
    ] as const) {
      const refused = await t.call("POST", `${P}/sandbox/population`, { body });
      expect(refused.status, JSON.stringify(body)).toBe(400);
      expect(refused.body.error.code).toBe("invalid_request");
      expect(JSON.stringify(refused.body.error.details)).toContain(field);
    }
    expect(await ok(t.call("POST", `${P}/sandbox/population`, { body: {} }))).toEqual({ ok: true });
    expect(await ok(t.call("POST", `${P}/sandbox/population`, { body: { referrerId: "r1", delivered: 0, seed: 3 } }))).toEqual({ ok: true });
    expect(t.service.sandbox!.population.behaviourOf("r1")).toEqual({ delivered: 0, read: 0.7, reply: 0, pay: { messaged: 0, notMessaged: 0 }, seed: 3 });
    expect(t.service.sandbox!.population.behaviourOf("r2")).toEqual({ delivered: 1, read: 0.7, reply: 0, pay: { messaged: 0, notMessaged: 0 }, seed: 0 });
  });

  it("a week on the service: receipts, replies and payments as asked; paid referrals are never messaged again", { timeout: 120_000 }, async () => {
    const t = await app();
    const targets = await simulate(t, 5);
    const outbox: Array<{ targetId: string; sentAt: string }> = (await ok(t.call("GET", `${P}/sandbox/outbox`))).items;

    // Everyone left its sequence: paid, replied, or completed after day 7.
    expect(targets.every((x) => x.status !== "active")).toBe(true);
    const reasons = targets.reduce<Record<string, number>>((acc, x) => ({ ...acc, [x.exitReason!]: (acc[x.exitReason!] ?? 0) + 1 }), {});
    expect(reasons.paid).toBeGreaterThan(10);
    expect(reasons.replied).toBeGreaterThan(0);
    expect(reasons.completed_7_days).toBeGreaterThan(20);

    const deliveries = (referrers: string[]) => targets.filter((x) => referrers.includes(x.referrerUserId)).flatMap((x) => x.messagesDelivered);
    const share = (list: Array<{ status: string }>, statuses: string[]) => list.filter((d) => statuses.includes(d.status)).length / list.length;
    const healthy = deliveries(["r1", "r2", "r3"]);
    expect(healthy.length).toBeGreaterThan(300);
    expect(share(healthy, ["delivered", "read"])).toBe(1);
    expect(Math.abs(share(healthy, ["read"]) - 0.6)).toBeLessThan(0.1);
    const halfDelivered = deliveries(["r4"]);
    expect(Math.abs(share(halfDelivered, ["delivered", "read"]) - 0.5)).toBeLessThan(0.17);
    expect(Math.abs(share(halfDelivered, ["read"]) - 0.3)).toBeLessThan(0.15);

    for (const paid of targets.filter((x) => x.exitReason === "paid")) {
      // Within the sequence, and no message after the payment.
      expect(paid.exitedLoopAt!.getTime() - paid.enteredLoopAt.getTime()).toBeLessThan(7 * DAY);
      for (const item of outbox.filter((o) => o.targetId === paid.id)) expect(new Date(item.sentAt).getTime()).toBeLessThanOrEqual(paid.exitedLoopAt!.getTime());
    }
    // The stats count what the recipients did.
    const stats = await ok(t.call("GET", `${P}/admin/stats`, { token: await t.adminToken() }));
    expect(stats.messages.read).toBeGreaterThan(0);
    expect(stats.conversions.total).toBeGreaterThan(0);
    expect(stats.exited.paid).toBe(reasons.paid);
  });

  it("the same seed replays the same week; another seed does not", { timeout: 240_000 }, async () => {
    const first = outcomes(await simulate(await app(), 17));
    const again = outcomes(await simulate(await app(), 17));
    const other = outcomes(await simulate(await app(), 18));
    expect(Object.keys(first)).toHaveLength(REFERRERS.length * PER_REFERRER);
    expect(again).toEqual(first);
    expect(other).not.toEqual(first);
  });
});
