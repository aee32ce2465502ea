import { describe, expect, it } from "vitest";
import { holdoutGroup } from "@relance/core";
import { useTestApp } from "./support/test-app.js";

const P = "/api/relance";
const t = useTestApp();
const svc = { service: true };

describe("admin settings (issue 22)", () => {
  it("GET gives the defaults; PATCH changes the given fields, validated at the edge with the contract's error shape", async () => {
    const token = await t.adminToken();
    expect(await t.call("GET", `${P}/admin/settings`, { token })).toMatchObject({ status: 200, body: { holdoutPercent: 0 } });
    expect(await t.call("PATCH", `${P}/admin/settings`, { token, body: { holdoutPercent: 20 } })).toMatchObject({ status: 200, body: { holdoutPercent: 20 } });
    expect(await t.call("PATCH", `${P}/admin/settings`, { token, body: {} })).toMatchObject({ status: 200, body: { holdoutPercent: 20 } });
    for (const body of [{ holdoutPercent: 51 }, { holdoutPercent: -1 }, { holdoutPercent: "10" }, { holdoutPercent: null }, { other: 1 }]) {
      const refused = await t.call("PATCH", `${P}/admin/settings`, { token, body });
      expect(refused.status).toBe(400);
      expect(refused.body.error).toMatchObject({ code: "invalid_request", message: expect.any(String), details: [expect.objectContaining({ path: expect.any(String) })] });
    }
    expect((await t.call("GET", `${P}/admin/settings`, { token })).body).toEqual({ holdoutPercent: 20 });
    // Admins only.
    expect((await t.call("GET", `${P}/admin/settings`, { token: await t.referrerToken("r1") })).status).toBe(403);
    expect((await t.call("PATCH", `${P}/admin/settings`, { token: await t.referrerToken("r1"), body: { holdoutPercent: 0 } })).status).toBe(403);
    expect((await t.call("GET", `${P}/admin/settings`)).status).toBe(401);
  });

  it("targets carry `holdout` and status `holdout`; the stats carry the lift", async () => {
    const admin = await t.adminToken();
    await t.call("PATCH", `${P}/admin/settings`, { token: admin, body: { holdoutPercent: 50 } });
    await t.call("POST", `${P}/admin/messages`, { token: admin, body: { dayNumber: 1, messageTemplate: { fr: "Bonjour {{firstName}}" } } });
    await t.call("POST", `${P}/internal/subscriptions`, { ...svc, body: { userId: "r1", active: true } });
    const users = Array.from({ length: 8 }, (_, i) => `lift-${i}`);
    for (const [i, userId] of users.entries()) {
      await t.call("POST", `${P}/internal/referrals`, { ...svc, body: { referrerId: "r1", referral: { userId, phone: `+3361111112${i}`, name: "X", createdAt: "2020-01-01T00:00:00Z" } } });
    }
    const token = await t.referrerToken("r1");
    await t.call("POST", `${P}/connect`, { token, body: {} });
    await t.call("POST", `${P}/sandbox/link`, { body: { userId: "r1", phone: "+33600000001" } });
    expect((await t.call("POST", `${P}/internal/jobs/enrollment/run`, svc)).body).toMatchObject({ enrolled: users.length });
    await t.call("POST", `${P}/internal/jobs/dispatch/run`, svc);

    const heldOut = users.filter((u) => holdoutGroup(u, 50) === "holdout");
    expect(heldOut.length).toBeGreaterThan(0);
    expect(heldOut.length).toBeLessThan(users.length);
    const items = (await t.call("GET", `${P}/targets?limit=100`, { token })).body.items as Array<{ referralUserId: string; holdout: boolean; status: string; messagesDelivered: unknown[] }>;
    for (const item of items) {
      const held = heldOut.includes(item.referralUserId);
      expect(item).toMatchObject({ holdout: held, status: held ? "holdout" : "active" });
      if (held) expect(item.messagesDelivered).toEqual([]);
    }
    const listed = (await t.call("GET", `${P}/targets?status=holdout`, { token })).body.items.map((x: { referralUserId: string }) => x.referralUserId);
    expect(listed.sort()).toEqual([...heldOut].sort());

    await t.call("POST", `${P}/internal/exit-user`, { ...svc, body: { userId: heldOut[0] } });
    for (const [path, auth] of [["/stats", token], ["/admin/stats", admin]] as const) {
      const { lift } = (await t.call("GET", `${P}${path}`, { token: auth })).body;
      expect(lift).toMatchObject({
        treated: { targets: users.length - heldOut.length, converted: 0, rate: 0 },
        holdout: { targets: heldOut.length, converted: 1, rate: 1 / heldOut.length },
        absolute: -1 / heldOut.length,
        relative: -1,
        ci95: null,
        byDay: [{ day: 1, treated: 0, holdout: 1 / heldOut.length }],
      });
    }
    // Held out and still running: their own line in the targets gauge.
    const metrics = await t.call("GET", "/metrics", svc);
    expect(metrics.body).toContain(`relance_targets{status="holdout"} ${heldOut.length - 1}`);
  });
});
