import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../src/index.js";
import { useTestApp, type TestApp } from "./support/test-app.js";

const P = "/api/relance";
const svc = { service: true };

const item = (userId: string, phone: string, referrerId = "r1") => ({ referrerId, referral: { userId, phone, name: "X" } });
const push = (t: TestApp, body: unknown) => t.call("POST", `${P}/internal/referrals`, { ...svc, body });
const phonesOf = async (t: TestApp, referrerId = "r1") => (await t.service.storage.directory.listReferrals(referrerId)).map((r) => [r.userId, r.phone]);

describe("POST /internal/referrals: numbers as the platform stores them (RELANCE_DEFAULT_COUNTRY=FR)", () => {
  const t = useTestApp({ RELANCE_DEFAULT_COUNTRY: "FR" });

  it("accepts a national number, one referral or a batch, and stores it in E.164", async () => {
    expect((await push(t, item("u1", "06 12 34 56 78"))).body).toEqual({ ok: true });
    expect((await push(t, [item("u2", "07.56.34.56.78"), item("u3", "+33 (0)6 22 22 22 22"), item("u4", "0033 6 33 33 33 33")])).body).toEqual({ ok: true, upserted: 3 });
    expect(await phonesOf(t)).toEqual([
      ["u1", "+33612345678"],
      ["u2", "+33756345678"],
      ["u3", "+33622222222"],
      ["u4", "+33633333333"],
    ]);
  });

  it("reads a referral's national number in its referrer's own country first", async () => {
    expect((await t.call("POST", `${P}/internal/subscriptions`, { ...svc, body: { userId: "r-sn", active: true, phone: "+221 76 123 45 67" } })).status).toBe(200);
    expect((await push(t, [item("u1", "77 123 45 67", "r-sn"), item("u2", "06 12 34 56 78")])).status).toBe(200);
    expect(await phonesOf(t, "r-sn")).toEqual([["u1", "+221771234567"]]);
    expect(await phonesOf(t, "r1")).toEqual([["u2", "+33612345678"]]);
  });

  it("refuses nonsense, impossible and non-mobile numbers, naming the field and why, storing nothing", async () => {
    const cases: Array<[string, RegExp]> = [
      ["hello", /not a phone number/],
      ["123", /not a possible/],
      ["+1 555 123 4567", /not a valid number/],
      ["01 42 68 53 00", /landline/],
      ["0800 123 456", /toll-free/],
    ];
    for (const [phone, reason] of cases) {
      const single = await push(t, item("u1", phone));
      expect(single.status, phone).toBe(400);
      expect(single.body.error.code).toBe("invalid_request");
      expect(single.body.error.details).toEqual([{ path: "referral.phone", message: expect.stringMatching(reason) }]);

      const batch = await push(t, [item("ok", "06 12 34 56 78"), item("bad", phone)]);
      expect(batch.status, phone).toBe(400);
      expect(batch.body.error.details).toEqual([{ path: "1.referral.phone", message: expect.stringMatching(reason) }]);
    }
    expect(await phonesOf(t)).toEqual([]);
  });

  it("reads the referrer's own number the same way, and refuses a landline there too", async () => {
    expect((await t.call("POST", `${P}/internal/subscriptions`, { ...svc, body: { userId: "r2", active: true, phone: "06 99 99 99 99" } })).status).toBe(200);
    expect((await t.service.storage.directory.getReferrer("r2"))?.phone).toBe("+33699999999");
    const landline = await t.call("POST", `${P}/internal/subscriptions`, { ...svc, body: { userId: "r2", active: true, phone: "01 42 68 53 00" } });
    expect(landline.status).toBe(400);
    expect(landline.body.error.details).toEqual([{ path: "phone", message: expect.stringMatching(/landline/) }]);
  });
});

describe("POST /internal/referrals without a default country", () => {
  const t = useTestApp();

  it("refuses a national number it has no country for, saying which setting gives one", async () => {
    const answer = await push(t, item("u1", "06 12 34 56 78"));
    expect(answer.status).toBe(400);
    expect(answer.body.error.details).toEqual([{ path: "referral.phone", message: expect.stringMatching(/RELANCE_DEFAULT_COUNTRY/) }]);
    expect((await push(t, item("u1", "+33 6 12 34 56 78"))).status).toBe(200);
    expect(await phonesOf(t)).toEqual([["u1", "+33612345678"]]);
  });
});

describe("RELANCE_DEFAULT_COUNTRY", () => {
  it("takes an ISO 3166 code, in either case, and refuses an unknown one", () => {
    expect(loadConfig({ RELANCE_DEFAULT_COUNTRY: "sn" }).RELANCE_DEFAULT_COUNTRY).toBe("SN");
    expect(loadConfig({}).RELANCE_DEFAULT_COUNTRY).toBeUndefined();
    expect(() => loadConfig({ RELANCE_DEFAULT_COUNTRY: "XX" })).toThrow(ConfigError);
    expect(() => loadConfig({ RELANCE_DEFAULT_COUNTRY: "France" })).toThrow(/RELANCE_DEFAULT_COUNTRY/);
  });
});
