import { afterEach, describe, expect, it, vi } from "vitest";
import { verifyWebhookSignature } from "@relance/adapters";
import { startTestApp, type TestApp } from "./support/test-app.js";

// Webhooks are signed with a secret of their own, never the one /internal accepts (issue 14).
const WEBHOOK_SECRET = "test-webhook-secret-0123456789abcdef";

const P = "/api/relance";
const svc = { service: true };
let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
  vi.unstubAllGlobals();
});

/** A linked referrer r1 (+33600000001) with `referrals` referrals enrolled. */
async function linkedWithReferrals(app: TestApp, referrals: number) {
  // Monday 09:00 in Paris: inside the default send window whatever the time the test runs.
  await app.call("POST", `${P}/sandbox/clock`, { body: { now: "2026-01-05T08:00:00.000Z" } });
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

const DAY1 = {
  dayNumber: 1,
  messageTemplate: { fr: "A {{firstName}}" },
  defaultWeight: 1,
  variants: [
    { key: "b", messageTemplate: { fr: "B {{firstName}}" }, weight: 1 },
    { key: "c", messageTemplate: { fr: "C {{firstName}}" }, mediaUrls: [{ url: "https://cdn.example.com/c.png", type: "image", language: "both" }], weight: 1 },
  ],
};

describe("onReply over HTTP", () => {
  it("PATCH /config sets it, Status shows it; an unknown value is a 400", async () => {
    t = await startTestApp();
    const token = await t.referrerToken("r1");
    expect((await t.call("GET", `${P}/status`, { token })).body.onReply).toBe("stop");
    const patched = await t.call("PATCH", `${P}/config`, { token, body: { onReply: "continue" } });
    expect(patched.status).toBe(200);
    expect(patched.body.onReply).toBe("continue");
    expect((await t.call("GET", `${P}/status`, { token })).body.onReply).toBe("continue");
    const refused = await t.call("PATCH", `${P}/config`, { token, body: { onReply: "pause" } });
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe("invalid_request");
  });

  it("sandbox: a non-STOP reply exits replied and the referrer gets one signed referral_replied webhook", async () => {
    const posted: Array<{ body: string; headers: Record<string, string> }> = [];
    vi.stubGlobal("fetch", async (_url: string, init: { body: string; headers: Record<string, string> }) => {
      posted.push({ body: init.body, headers: init.headers });
      return new Response(null, { status: 204 });
    });
    t = await startTestApp({ RELANCE_NOTIFY_WEBHOOK_URL: "https://platform.example.com/hooks/relance", RELANCE_WEBHOOK_SECRET: WEBHOOK_SECRET });
    for (const dayNumber of [1, 2]) await t.call("POST", `${P}/admin/messages`, { token: await t.adminToken(), body: { dayNumber, messageTemplate: { fr: "Bonjour {{firstName}}" } } });
    await linkedWithReferrals(t, 2);
    expect((await t.call("POST", `${P}/internal/jobs/dispatch/run`, svc)).body).toMatchObject({ sent: 2 });

    for (const text of ["ok je paie demain", "merci"]) {
      expect((await t.call("POST", `${P}/sandbox/inbound`, { body: { from: "+33611111100", to: "+33600000001", text } })).status).toBe(200);
    }
    const targets = (await t.call("GET", `${P}/targets`, { token: await t.referrerToken("r1") })).body.items;
    expect(targets.map((x: { referralUserId: string; status: string; exitReason: string | null }) => [x.referralUserId, x.status, x.exitReason])).toEqual([
      ["u0", "exited", "replied"],
      ["u1", "active", null],
    ]);
    expect((await t.call("GET", `${P}/stats`, { token: await t.referrerToken("r1") })).body.exited).toMatchObject({ replied: 1 });

    const replies = posted.filter((p) => JSON.parse(p.body).type === "referral_replied");
    expect(replies).toHaveLength(1);
    expect(JSON.parse(replies[0]!.body)).toMatchObject({ referrerUserId: "r1", referralUserId: "u0", phone: "+33611111100", text: "ok je paie demain", exited: true });
    const headers = replies[0]!.headers;
    expect(
      verifyWebhookSignature({ body: replies[0]!.body, timestamp: headers["X-Relance-Timestamp"], signature: headers["X-Relance-Signature"], secret: WEBHOOK_SECRET }),
    ).toBe(true);
  });
});

describe("variants over HTTP", () => {
  it("admin messages take variants, list them, and preview any of them", async () => {
    t = await startTestApp();
    const token = await t.adminToken();
    const created = await t.call("POST", `${P}/admin/messages`, { token, body: DAY1 });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ dayNumber: 1, defaultWeight: 1, variants: [{ key: "b", weight: 1, mediaUrls: [] }, { key: "c", mediaUrls: [{ type: "image" }] }] });
    const listed = (await t.call("GET", `${P}/admin/messages`, { token })).body.items[0];
    expect(listed).toEqual(created.body);
    // A listed message with variants can be sent back as it is.
    expect((await t.call("POST", `${P}/admin/messages`, { token, body: listed })).status).toBe(200);

    const preview = (variant?: string) =>
      t!.call("POST", `${P}/admin/messages/preview`, { token, body: { dayNumber: 1, language: "fr", variables: { name: "Léa Dupont" }, ...(variant ? { variant } : {}) } });
    expect((await preview()).body).toMatchObject({ text: "A Léa" });
    expect((await preview("default")).body).toMatchObject({ text: "A Léa" });
    expect((await preview("c")).body).toEqual({ text: "C Léa", media: [{ url: "https://cdn.example.com/c.png", type: "image", language: "both" }], language: "fr" });
    const missing = await preview("zzz");
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe("not_found");
  });

  it("refuses a message whose variants are invalid, naming each field", async () => {
    t = await startTestApp();
    const token = await t.adminToken();
    const edge = await t.call("POST", `${P}/admin/messages`, {
      token,
      body: { ...DAY1, variants: [{ key: "Bad Key", messageTemplate: { fr: "x" } }, { key: "ok", messageTemplate: { fr: "x" }, weight: 0, mediaUrls: [{ url: "ftp://x", type: "image", language: "fr" }] }] },
    });
    expect(edge.status).toBe(400);
    expect(edge.body.error.details.map((d: { path: string }) => d.path)).toEqual(expect.arrayContaining(["variants.0.key", "variants.1.weight", "variants.1.mediaUrls.0.url"]));
    const domain = await t.call("POST", `${P}/admin/messages`, {
      token,
      body: { ...DAY1, variants: [{ key: "b", messageTemplate: { fr: "{{nope}}" } }, { key: "b", messageTemplate: { en: "no fr" } }] },
    });
    expect(domain.status).toBe(400);
    expect(domain.body.error.details.map((d: { path: string }) => d.path)).toEqual(
      expect.arrayContaining(["variants.0.messageTemplate.fr", "variants.1.key", "variants.1.messageTemplate.fr"]),
    );
    expect((await t.call("GET", `${P}/admin/messages`, { token })).body.items).toEqual([]);
  });

  it("sandbox: deliveries carry their variant, the outbox its text, and stats count sends and conversions per variant", async () => {
    t = await startTestApp();
    await t.call("POST", `${P}/admin/messages`, { token: await t.adminToken(), body: DAY1 });
    await t.call("POST", `${P}/admin/messages`, { token: await t.adminToken(), body: { dayNumber: 2, messageTemplate: { fr: "Jour 2" } } });
    await linkedWithReferrals(t, 12);
    expect((await t.call("POST", `${P}/internal/jobs/dispatch/run`, svc)).body).toMatchObject({ sent: 12 });

    const token = await t.referrerToken("r1");
    const targets: Array<{ referralUserId: string; messagesDelivered: Array<{ variant: string }> }> = (await t.call("GET", `${P}/targets`, { token })).body.items;
    const variantOf = new Map(targets.map((x) => [x.referralUserId, x.messagesDelivered[0]!.variant]));
    expect(new Set(variantOf.values()).size).toBeGreaterThan(1);
    const outbox = (await t.call("GET", `${P}/sandbox/outbox?referrerId=r1`)).body.items;
    for (const item of outbox) expect(item.text[0]).toBe({ default: "A", b: "B", c: "C" }[variantOf.get(`u${Number(item.to.slice(-2))}`)!]);

    const paidVariant = variantOf.get("u3")!;
    expect((await t.call("POST", `${P}/internal/exit-user`, { ...svc, body: { userId: "u3" } })).body).toEqual({ exited: 1 });
    const expected: Record<string, { sent: number; converted: number }> = {};
    for (const variant of variantOf.values()) {
      expected[variant] ??= { sent: 0, converted: 0 };
      expected[variant].sent++;
    }
    expected[paidVariant]!.converted = 1;
    const stats = (await t.call("GET", `${P}/stats`, { token })).body;
    expect(stats.conversions).toMatchObject({ total: 1, byDay: { "1": 1 }, byVariant: { "1": expected } });
    expect((await t.call("GET", `${P}/admin/stats`, { token: await t.adminToken() })).body.conversions.byVariant).toEqual({ "1": expected });
  });
});
