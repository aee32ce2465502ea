import { describe, expect, it } from "vitest";
import { useTestApp } from "./support/test-app.js";

const P = "/api/relance";
const svc = { service: true };
const t = useTestApp();

const item = (userId: string, extra: Record<string, unknown> = {}, referrerId = "r1") => ({
  referrerId,
  referral: { userId, phone: "+33611111111", name: "X", ...extra },
});

const createdAtOf = async (referrerId: string, userId: string) => (await t.service.storage.directory.getReferrals(referrerId, [userId]))[0]?.createdAt;

describe("POST /internal/referrals", () => {
  it("a referral pushed again without createdAt keeps the stored one", async () => {
    expect((await t.call("POST", `${P}/internal/referrals`, { ...svc, body: item("u1", { createdAt: "2025-12-01T00:00:00Z" }) })).body).toEqual({ ok: true });
    expect((await t.call("POST", `${P}/internal/referrals`, { ...svc, body: item("u1", { paid: true }) })).status).toBe(200);
    expect(await createdAtOf("r1", "u1")).toEqual(new Date("2025-12-01T00:00:00Z"));
    expect((await t.service.storage.directory.getReferrals("r1", ["u1"]))[0]?.paid).toBe(true);
  });

  it("takes an array of up to 1,000 referrals (a feed's batch) and answers how many it stored", async () => {
    const batch = Array.from({ length: 1_000 }, (_, i) => item(`u${i}`, i === 0 ? { createdAt: "2025-12-01T00:00:00Z" } : {}, i % 2 === 0 ? "r1" : "r2"));
    const answer = await t.call("POST", `${P}/internal/referrals`, { ...svc, body: batch });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ ok: true, upserted: 1_000 });
    expect(await t.service.storage.directory.listReferrals("r1")).toHaveLength(500);
    expect(await t.service.storage.directory.listReferrals("r2")).toHaveLength(500);
    // The same batch again without createdAt: nothing moves.
    const before = await createdAtOf("r1", "u0");
    await t.call("POST", `${P}/internal/referrals`, { ...svc, body: [item("u0", { paid: true })] });
    expect(await createdAtOf("r1", "u0")).toEqual(before);
    expect(before).toEqual(new Date("2025-12-01T00:00:00Z"));
  });

  it("refuses an empty batch, one over 1,000, and a batch with one invalid item, storing nothing", async () => {
    for (const body of [[], Array.from({ length: 1_001 }, (_, i) => item(`u${i}`)), [item("ok"), item("bad", { phone: "12" })]]) {
      const answer = await t.call("POST", `${P}/internal/referrals`, { ...svc, body });
      expect(answer.status).toBe(400);
      expect(answer.body.error.code).toBe("invalid_request");
    }
    expect(await t.service.storage.directory.listReferrals("r1")).toEqual([]);
  });
});
