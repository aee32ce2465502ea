import { describe, expect, it } from "vitest";
import { sign } from "hono/jwt";
import { JWT_SECRET, startTestApp, useTestApp } from "./support/test-app.js";

const P = "/api/relance";
const t = useTestApp();

const expectError = (response: { status: number; body: any }, status: number, code: string) => {
  expect(response.status).toBe(status);
  expect(response.body).toEqual({ error: expect.objectContaining({ code, message: expect.any(String) }) });
  expect(Object.keys(response.body.error).every((k) => ["code", "message", "details"].includes(k))).toBe(true);
};

describe("401 unauthorized", () => {
  it("refuses referrer calls without a token, with a malformed one, a wrong signature, or an expired one", async () => {
    expectError(await t.call("GET", `${P}/status`), 401, "unauthorized");
    expectError(await t.call("GET", `${P}/status`, { token: "not-a-jwt" }), 401, "unauthorized");
    const forged = await sign({ sub: "r1", exp: Math.floor(Date.now() / 1000) + 60 }, "another-secret-entirely-0123456", "HS256");
    expectError(await t.call("GET", `${P}/status`, { token: forged }), 401, "unauthorized");
    const expired = await sign({ sub: "r1", exp: Math.floor(Date.now() / 1000) - 10 }, JWT_SECRET, "HS256");
    expectError(await t.call("GET", `${P}/status`, { token: expired }), 401, "unauthorized");
    const noSubject = await sign({ exp: Math.floor(Date.now() / 1000) + 60 }, JWT_SECRET, "HS256");
    expectError(await t.call("GET", `${P}/status`, { token: noSubject }), 401, "unauthorized");
    const hs512 = await sign({ sub: "r1", exp: Math.floor(Date.now() / 1000) + 60 }, JWT_SECRET, "HS512");
    expectError(await t.call("GET", `${P}/status`, { token: hs512 }), 401, "unauthorized");
  });

  it("refuses internal calls with a wrong secret, a JWT, or no X-Service-Name", async () => {
    const body = { userId: "u1" };
    expectError(await t.call("POST", `${P}/internal/exit-user`, { body }), 401, "unauthorized");
    expectError(await t.call("POST", `${P}/internal/exit-user`, { body, service: { secret: "wrong-secret-wrong-secret-wrong" } }), 401, "unauthorized");
    expectError(await t.call("POST", `${P}/internal/exit-user`, { body, service: { name: null } }), 401, "unauthorized");
    expectError(await t.call("POST", `${P}/internal/exit-user`, { body, token: await t.adminToken() }), 401, "unauthorized");
    expect((await t.call("POST", `${P}/internal/exit-user`, { body, service: true })).body).toEqual({ exited: 0 });
  });

  it("refuses admin calls without a token", async () => {
    expectError(await t.call("GET", `${P}/admin/messages`), 401, "unauthorized");
  });
});

describe("403", () => {
  it("forbidden: a referrer token on admin endpoints", async () => {
    expectError(await t.call("GET", `${P}/admin/messages`, { token: await t.referrerToken("r1") }), 403, "forbidden");
    expectError(await t.call("GET", `${P}/admin/stats`, { token: await t.referrerToken("r1", { role: "referrer" }) }), 403, "forbidden");
  });

  it("subscription_required: connecting without an active relance subscription", async () => {
    expectError(await t.call("POST", `${P}/connect`, { token: await t.referrerToken("r1"), body: {} }), 403, "subscription_required");
  });
});

describe("400 invalid_request", () => {
  it("malformed JSON, wrong types and unknown fields, with details naming the field", async () => {
    const token = await t.referrerToken("r1");
    const malformed = await t.call("PATCH", `${P}/config`, { token, raw: "{ not json" });
    expectError(malformed, 400, "invalid_request");
    const wrongType = await t.call("PATCH", `${P}/config`, { token, body: { enabled: "yes" } });
    expectError(wrongType, 400, "invalid_request");
    expect(wrongType.body.error.details).toEqual([expect.objectContaining({ path: "enabled" })]);
    const unknown = await t.call("PATCH", `${P}/config`, { token, body: { enabled: true, dailyLimit: 9999 } });
    expectError(unknown, 400, "invalid_request");
  });

  it("bad timezone, bad HH:MM, bad phone, bad method", async () => {
    const token = await t.referrerToken("r1");
    const tz = await t.call("PATCH", `${P}/config`, { token, body: { timezone: "Mars/Olympus" } });
    expectError(tz, 400, "invalid_request");
    expect(tz.body.error.details[0].path).toBe("timezone");
    const window = await t.call("PATCH", `${P}/config`, { token, body: { sendWindow: { start: "8:00", end: "24:00" } } });
    expect(window.body.error.details.map((d: any) => d.path).sort()).toEqual(["sendWindow.end", "sendWindow.start"]);
    const phone = await t.call("POST", `${P}/connect`, { token, body: { method: "pairing_code", phone: "0612345678" } });
    expectError(phone, 400, "invalid_request");
    expect(phone.body.error.details[0].path).toBe("phone");
    // The core's rule answers it (linkRequestOf), named on its field.
    const noPhone = await t.call("POST", `${P}/connect`, { token, body: { method: "pairing_code" } });
    expectError(noPhone, 400, "invalid_request");
    expect(noPhone.body.error.details).toEqual([{ path: "phone", message: "required for pairing_code, E.164 (+33612345678)" }]);
    expectError(await t.call("POST", `${P}/connect`, { token, body: { method: "carrier-pigeon" } }), 400, "invalid_request");
    expectError(await t.call("GET", `${P}/targets?limit=0`, { token }), 400, "invalid_request");
    expectError(await t.call("GET", `${P}/targets?status=zombie`, { token }), 400, "invalid_request");
  });

  it("refuses MongoDB operator injection", async () => {
    const exit = await t.call("POST", `${P}/internal/exit-user`, { service: true, body: { userId: { $gt: "" } } });
    expectError(exit, 400, "invalid_request");
    expect(exit.body.error.details[0].path).toBe("userId");
    expectError(await t.call("POST", `${P}/internal/exit-user`, { service: true, body: { userId: "$where" } }), 400, "invalid_request");
    expectError(
      await t.call("POST", `${P}/internal/referrals`, { service: true, body: { referrerId: "r1", referral: { userId: { $ne: null }, phone: "+33611111111", name: "x" } } }),
      400,
      "invalid_request",
    );
  });

  it("refuses a template with unknown variables, naming them", async () => {
    const response = await t.call("POST", `${P}/admin/messages`, {
      token: await t.adminToken(),
      body: { dayNumber: 1, messageTemplate: { fr: "Bonjour {{prenom}}, code {{promo}}" } },
    });
    expectError(response, 400, "invalid_request");
    expect(JSON.stringify(response.body.error.details)).toMatch(/prenom, promo/);
  });

  it("refuses bad message fields: day out of range, bad media URL and type", async () => {
    const token = await t.adminToken();
    expectError(await t.call("POST", `${P}/admin/messages`, { token, body: { dayNumber: 31, messageTemplate: { fr: "x" } } }), 400, "invalid_request");
    const media = await t.call("POST", `${P}/admin/messages`, {
      token,
      body: { dayNumber: 1, messageTemplate: { fr: "x" }, mediaUrls: [{ url: "javascript:alert(1)", type: "gif", language: "fr" }] },
    });
    expect(media.body.error.details.map((d: any) => d.path).sort()).toEqual(["mediaUrls.0.type", "mediaUrls.0.url"]);
    expectError(await t.call("PUT", `${P}/admin/messages/abc`, { token, body: { messageTemplate: { fr: "x" } } }), 400, "invalid_request");
  });
});

describe("404 not_found", () => {
  it("unknown routes, unknown messages", async () => {
    expectError(await t.call("GET", "/nope"), 404, "not_found");
    expectError(await t.call("GET", `${P}/nope`), 404, "not_found");
    expectError(await t.call("GET", `${P}/internal/exit-user`, { service: true }), 404, "not_found");
    expectError(await t.call("GET", `${P}/sandbox/nope`), 404, "not_found");
    const token = await t.adminToken();
    expectError(await t.call("PUT", `${P}/admin/messages/9`, { token, body: { messageTemplate: { fr: "x" } } }), 404, "not_found");
    expectError(await t.call("DELETE", `${P}/admin/messages/9`, { token }), 404, "not_found");
    expectError(await t.call("POST", `${P}/admin/messages/preview`, { token, body: { dayNumber: 9, language: "fr" } }), 404, "not_found");
  });

  it("every /sandbox path when the sandbox transport is not configured", async () => {
    const real = await startTestApp({ RELANCE_TRANSPORT: "baileys" });
    try {
      for (const [method, path] of [
        ["POST", "/sandbox/link"],
        ["POST", "/sandbox/drop"],
        ["POST", "/sandbox/numbers"],
        ["POST", "/sandbox/inbound"],
        ["GET", "/sandbox/outbox"],
        ["POST", "/sandbox/clock"],
      ] as const) {
        expectError(await real.call(method, `${P}${path}`, method === "GET" ? {} : { body: {} }), 404, "not_found");
      }
    } finally {
      await real.close();
    }
  });
});

describe("409 conflict", () => {
  it("connecting by QR while a pairing-code link is in progress", async () => {
    await t.call("POST", `${P}/internal/subscriptions`, { service: true, body: { userId: "r1", active: true, phone: "+33600000001" } });
    const token = await t.referrerToken("r1");
    const pairing = await t.call("POST", `${P}/connect`, { token, body: { method: "pairing_code", phone: "+33600000001" } });
    expect(pairing.body).toMatchObject({ status: "pending_pairing", pairingCode: expect.any(String) });
    expectError(await t.call("POST", `${P}/connect`, { token, body: { method: "qr" } }), 409, "conflict");
  });
});

describe("413 payload_too_large", () => {
  it("bodies over the configured limit", async () => {
    const big = "x".repeat(1024 * 1024 + 10);
    const response = await t.call("POST", `${P}/admin/messages`, { token: await t.adminToken(), raw: JSON.stringify({ dayNumber: 1, messageTemplate: { fr: big } }) });
    expectError(response, 413, "payload_too_large");
  });
});

describe("5xx", () => {
  it("never leaks a stack trace or a secret", async () => {
    t.service.storage.targets.stats = async () => {
      throw new Error(`boom with ${JWT_SECRET} at /srv/app.ts:12`);
    };
    const response = await t.call("GET", `${P}/admin/stats`, { token: await t.adminToken() });
    expect(response.status).toBe(500);
    expect(response.body).toEqual({ error: { code: "internal", message: expect.any(String) } });
    expect(JSON.stringify(response.body)).not.toMatch(/boom|app\.ts|test-jwt-secret/);
  });
});
