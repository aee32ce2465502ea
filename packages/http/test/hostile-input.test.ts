import { describe, expect, it } from "vitest";
import { sign } from "hono/jwt";
import { loadConfig } from "../src/index.js";
import { JWT_SECRET, startTestApp, useTestApp } from "./support/test-app.js";

// Issue 11's review findings at the HTTP edge, one block per numbered item.
const P = "/api/relance";
const t = useTestApp();

const expectError = (response: { status: number; body: any }, status: number, code: string) => {
  expect(response.status, JSON.stringify(response.body)).toBe(status);
  expect(response.body).toEqual({ error: expect.objectContaining({ code, message: expect.any(String) }) });
};
const now = () => Math.floor(Date.now() / 1000);

describe("3. JWT rules", () => {
  const status = (token: string) => t.call("GET", `${P}/status`, { token });

  it("refuses a token without exp", async () => {
    expectError(await status(await sign({ sub: "r1" }, JWT_SECRET, "HS256")), 401, "unauthorized");
  });

  it("refuses alg none and algorithms other than HS256", async () => {
    const encode = (part: object) => Buffer.from(JSON.stringify(part)).toString("base64url");
    const none = `${encode({ alg: "none", typ: "JWT" })}.${encode({ sub: "r1", exp: now() + 60 })}.`;
    expectError(await status(none), 401, "unauthorized");
    expectError(await status(await sign({ sub: "r1", exp: now() + 60 }, JWT_SECRET, "HS384")), 401, "unauthorized");
  });

  it("refuses nbf in the future", async () => {
    expectError(await status(await sign({ sub: "r1", exp: now() + 600, nbf: now() + 300 }, JWT_SECRET, "HS256")), 401, "unauthorized");
  });

  it("refuses a lifetime over the configured maximum (default 24 h), from iat or from now", async () => {
    expectError(await status(await sign({ sub: "r1", exp: now() + 10 * 365 * 86400 }, JWT_SECRET, "HS256")), 401, "unauthorized");
    expectError(await status(await sign({ sub: "r1", iat: now() - 3600, exp: now() + 24 * 3600 }, JWT_SECRET, "HS256")), 401, "unauthorized");
    expect((await status(await sign({ sub: "r1", iat: now(), exp: now() + 23 * 3600 }, JWT_SECRET, "HS256"))).status).toBe(200);
    const strict = await startTestApp({ RELANCE_JWT_MAX_TTL_SECONDS: "600" });
    try {
      const hour = await sign({ sub: "r1", exp: now() + 3600 }, JWT_SECRET, "HS256");
      expectError(await strict.call("GET", `${P}/status`, { token: hour }), 401, "unauthorized");
      const fiveMinutes = await sign({ sub: "r1", exp: now() + 300 }, JWT_SECRET, "HS256");
      expect((await strict.call("GET", `${P}/status`, { token: fiveMinutes })).status).toBe(200);
    } finally {
      await strict.close();
    }
  });

  it("applies to the SSE stream and the admin endpoints too", async () => {
    const forever = await sign({ sub: "a1", role: "admin" }, JWT_SECRET, "HS256");
    expectError(await t.call("GET", `${P}/admin/messages`, { token: forever }), 401, "unauthorized");
    expectError(await t.call("GET", `${P}/status/events`, { token: forever }), 401, "unauthorized");
  });
});

describe("4. day numbers and integers are decimal, 1…N", () => {
  it("refuses hex, padded, signed, exponent and encoded-space forms in the path", async () => {
    const token = await t.adminToken();
    await t.call("POST", `${P}/admin/messages`, { token, body: { dayNumber: 1, messageTemplate: { fr: "J1" } } });
    await t.call("POST", `${P}/admin/messages`, { token, body: { dayNumber: 7, messageTemplate: { fr: "J7" } } });
    for (const day of ["0x1", "%20%37", "7%20", "1e0", "+1", "01", "1.0", "0", "31", "-1", "%E2%80%8B1", "99999999999999999999"]) {
      const put = await t.call("PUT", `${P}/admin/messages/${day}`, { token, body: { messageTemplate: { fr: "changed" } } });
      expectError(put, 400, "invalid_request");
      expect(put.body.error.details[0].path).toBe("dayNumber");
      expectError(await t.call("DELETE", `${P}/admin/messages/${day}`, { token }), 400, "invalid_request");
    }
    const list = await t.call("GET", `${P}/admin/messages`, { token });
    expect(list.body.items.map((m: any) => [m.dayNumber, m.messageTemplate.fr])).toEqual([
      [1, "J1"],
      [7, "J7"],
    ]);
    expect((await t.call("PUT", `${P}/admin/messages/7`, { token, body: { messageTemplate: { fr: "J7 bis" } } })).status).toBe(200);
    expect((await t.call("DELETE", `${P}/admin/messages/1`, { token })).status).toBe(204);
  });

  it("refuses loose limit values in the query", async () => {
    const token = await t.referrerToken("r1");
    for (const limit of ["0x10", "%2010", "1e1", "10.0", "+5", "05"]) {
      expectError(await t.call("GET", `${P}/targets?limit=${limit}`, { token }), 400, "invalid_request");
    }
    expect((await t.call("GET", `${P}/targets?limit=10`, { token })).status).toBe(200);
  });
});

describe("5. cursors", () => {
  async function twoPagesOfTargets(referrerUserId: string) {
    const svc = { service: true };
    await t.call("POST", `${P}/internal/subscriptions`, { ...svc, body: { userId: referrerUserId, active: true } });
    for (const n of [1, 2, 3]) {
      await t.call("POST", `${P}/internal/referrals`, {
        ...svc,
        body: { referrerId: referrerUserId, referral: { userId: `${referrerUserId}-ref-${n}`, phone: `+3361${referrerUserId.length}0000${n}${referrerUserId.slice(-1)}`, name: "X", createdAt: "2020-01-01T00:00:00Z" } },
      });
    }
    await t.call("POST", `${P}/sandbox/link`, { body: { userId: referrerUserId, phone: `+3360000000${referrerUserId.slice(-1)}` } });
    await t.call("POST", `${P}/internal/jobs/enrollment/run`, svc);
  }

  it("pages through with the cursors it returns", async () => {
    await twoPagesOfTargets("r1");
    const token = await t.referrerToken("r1");
    const first = await t.call("GET", `${P}/targets?limit=2`, { token });
    expect(first.body.items).toHaveLength(2);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await t.call("GET", `${P}/targets?limit=2&cursor=${encodeURIComponent(first.body.nextCursor)}`, { token });
    expect(second.status).toBe(200);
    expect(second.body.items).toHaveLength(1);
    expect(second.body.nextCursor).toBeNull();
  });

  it("answers 400 for a malformed, tampered or foreign cursor instead of an empty page", async () => {
    await twoPagesOfTargets("r1");
    await twoPagesOfTargets("r2");
    const token = await t.referrerToken("r1");
    const mine = (await t.call("GET", `${P}/targets?limit=2`, { token })).body.nextCursor as string;
    const theirs = (await t.call("GET", `${P}/targets?limit=2`, { token: await t.referrerToken("r2") })).body.nextCursor as string;
    const filtered = await t.call("GET", `${P}/targets?limit=2&status=active&cursor=${encodeURIComponent(mine)}`, { token });
    expectError(filtered, 400, "invalid_request");
    expect(filtered.body.error.details[0].path).toBe("cursor");
    const tampered = `${Buffer.from(JSON.stringify({ c: "zzz", s: JSON.stringify(["r1", null]) })).toString("base64url")}.${mine.split(".")[1]}`;
    for (const cursor of ["garbage", "eyJ9", "a.b.c", mine.slice(0, -2), tampered, theirs]) {
      const response = await t.call("GET", `${P}/targets?limit=2&cursor=${encodeURIComponent(cursor)}`, { token });
      expectError(response, 400, "invalid_request");
      expect(response.body.error.details[0].path).toBe("cursor");
    }
  });
});

describe("6. send window", () => {
  it("refuses a window whose start equals its end, at the edge and in the engine", async () => {
    const token = await t.referrerToken("r1");
    const equal = await t.call("PATCH", `${P}/config`, { token, body: { sendWindow: { start: "09:00", end: "09:00" } } });
    expectError(equal, 400, "invalid_request");
    expect(equal.body.error.details[0].path).toBe("sendWindow.end");
    await expect(t.service.engine.updateConfig("r1", { sendWindow: { start: "00:00", end: "00:00" } })).rejects.toMatchObject({ code: "invalid_request" });
    expect((await t.call("GET", `${P}/status`, { token })).body.sendWindow).toEqual({ start: "08:00", end: "20:00" });
    const overnight = await t.call("PATCH", `${P}/config`, { token, body: { sendWindow: { start: "22:00", end: "06:00" } } });
    expect(overnight.body.sendWindow).toEqual({ start: "22:00", end: "06:00" });
    expect(() => loadConfig({ RELANCE_DEFAULT_SEND_WINDOW: "08:00-08:00" })).toThrow(/RELANCE_DEFAULT_SEND_WINDOW/);
  });
});

describe("9. sandbox storage", () => {
  it("keeps a sandbox run in memory unless a storage or a data directory is given", () => {
    expect(loadConfig({ RELANCE_TRANSPORT: "sandbox" }).RELANCE_STORAGE).toBe("memory");
    expect(loadConfig({ RELANCE_TRANSPORT: "sandbox", RELANCE_DATA_DIR: "/tmp/relance-sandbox" })).toMatchObject({ RELANCE_STORAGE: "sqlite", RELANCE_DATA_DIR: "/tmp/relance-sandbox" });
    expect(loadConfig({ RELANCE_TRANSPORT: "sandbox", RELANCE_STORAGE: "sqlite" }).RELANCE_STORAGE).toBe("sqlite");
    expect(loadConfig({}).RELANCE_STORAGE).toBe("sqlite");
    expect(loadConfig({ RELANCE_TRANSPORT: "baileys" }).RELANCE_STORAGE).toBe("sqlite");
  });
});
