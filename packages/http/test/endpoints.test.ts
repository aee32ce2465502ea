import { describe, expect, it, vi } from "vitest";
import { useTestApp } from "./support/test-app.js";
import { StorageError } from "@relance/core";
import { READY_TIMEOUT_MS } from "../src/app/routes/ops.js";

const P = "/api/relance";
const t = useTestApp();

describe("admin messages", () => {
  it("creates (201), replaces (200), lists by day, updates (PUT), deletes (204) and previews", async () => {
    const token = await t.adminToken();
    const day2 = { dayNumber: 2, messageTemplate: { fr: "J2 {{firstName}}" } };
    expect((await t.call("POST", `${P}/admin/messages`, { token, body: day2 })).status).toBe(201);
    const replaced = await t.call("POST", `${P}/admin/messages`, { token, body: { ...day2, messageTemplate: { fr: "J2 bis", en: "D2" } } });
    expect(replaced.status).toBe(200);
    expect(replaced.body).toMatchObject({ dayNumber: 2, messageTemplate: { fr: "J2 bis", en: "D2" }, mediaUrls: [], active: true });
    await t.call("POST", `${P}/admin/messages`, { token, body: { dayNumber: 1, messageTemplate: { fr: "J1" }, active: false } });
    const list = await t.call("GET", `${P}/admin/messages`, { token });
    expect(list.body.items.map((m: any) => [m.dayNumber, m.active])).toEqual([
      [1, false],
      [2, true],
    ]);
    const put = await t.call("PUT", `${P}/admin/messages/1`, {
      token,
      body: { messageTemplate: { fr: "J1 v2 {{name}}" }, mediaUrls: [{ url: "https://cdn.example.com/v.mp4", type: "video", language: "fr" }] },
    });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ dayNumber: 1, active: true, mediaUrls: [{ type: "video" }] });
    const preview = await t.call("POST", `${P}/admin/messages/preview`, { token, body: { dayNumber: 1, language: "fr", variables: { name: "Léa" } } });
    expect(preview.body).toEqual({ text: "J1 v2 Léa", media: [{ url: "https://cdn.example.com/v.mp4", type: "video", language: "fr" }], language: "fr" });

    // A draft (the console while an admin types) is rendered instead, validated like a save, never stored.
    const draft = await t.call("POST", `${P}/admin/messages/preview`, { token, body: { dayNumber: 1, language: "fr", variables: { name: "Léa" }, draft: { messageTemplate: { fr: "Brouillon {{firstName}} J{{day}}" } } } });
    expect(draft.body).toEqual({ text: "Brouillon Léa J1", media: [], language: "fr" });
    const newDay = await t.call("POST", `${P}/admin/messages/preview`, { token, body: { dayNumber: 9, language: "fr", draft: { messageTemplate: { fr: "Jour {{day}}/{{totalDays}}" } } } });
    expect(newDay.body.text).toBe("Jour 9/9");
    const refused = await t.call("POST", `${P}/admin/messages/preview`, { token, body: { dayNumber: 1, language: "fr", draft: { messageTemplate: { fr: "Bonjour {{prenom}}" } } } });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({ code: "invalid_request", details: [expect.objectContaining({ path: expect.stringMatching(/^draft\.messageTemplate/) })] });
    expect((await t.call("GET", `${P}/admin/messages`, { token })).body.items.find((m: { dayNumber: number }) => m.dayNumber === 1).messageTemplate.fr).toBe("J1 v2 {{name}}");
    // A listed message can be sent back as it is.
    const listed = (await t.call("GET", `${P}/admin/messages`, { token })).body.items[0];
    expect((await t.call("POST", `${P}/admin/messages`, { token, body: listed })).status).toBe(200);
    expect((await t.call("DELETE", `${P}/admin/messages/2`, { token })).status).toBe(204);
    expect((await t.call("GET", `${P}/admin/messages`, { token })).body.items).toHaveLength(1);
  });
});

describe("referrer endpoints", () => {
  it("connect returns the QR as text and PNG data URL, then connected once linked; disconnect and logout", async () => {
    await t.call("POST", `${P}/internal/subscriptions`, { service: true, body: { userId: "r1", active: true } });
    const token = await t.referrerToken("r1");
    const pending = await t.call("POST", `${P}/connect`, { token, body: { method: "qr" } });
    expect(pending.body).toEqual({ status: "pending_qr", qr: { text: expect.any(String), dataUrl: expect.stringMatching(/^data:image\/png;base64,/) } });
    expect((await t.call("POST", `${P}/sandbox/link`, { body: { userId: "r1", phone: "+33600000001" } })).body.status).toBe("connected");
    expect((await t.call("POST", `${P}/connect`, { token })).body).toEqual({ status: "connected", phone: "+33600000001" });
    expect((await t.call("POST", `${P}/disconnect`, { token, body: {} })).body).toMatchObject({ status: "disconnected" });
    expect((await t.call("POST", `${P}/disconnect`, { token, body: { logout: true } })).body).toMatchObject({ status: "logged_out" });
  });

  it("PATCH /config returns the Status with the change applied", async () => {
    const token = await t.referrerToken("r1");
    const response = await t.call("PATCH", `${P}/config`, { token, body: { enrollmentPaused: true, timezone: "America/New_York", sendWindow: { start: "09:00", end: "17:30" } } });
    expect(response.body).toEqual({
      status: "disconnected",
      phone: null,
      enabled: true,
      enrollmentPaused: true,
      sendingPaused: false,
      messagesSentToday: 0,
      dailyLimit: 100,
      timezone: "America/New_York",
      sendWindow: { start: "09:00", end: "17:30" },
      onReply: "stop",
      restriction: null,
      reason: null,
      health: { state: "good", reason: null, deliveredShare: null },
      newChatQuota: null,
      dayStartsAt: "09:00",
    });
  });

  it("streams status and QR events over SSE (bearer; the pages send their cookie)", async () => {
    await t.call("POST", `${P}/internal/subscriptions`, { service: true, body: { userId: "r1", active: true } });
    const token = await t.referrerToken("r1");
    const controller = new AbortController();
    const response = await t.service.app.request(`${P}/status/events`, { headers: { authorization: `Bearer ${token}` }, signal: controller.signal });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/text\/event-stream/);
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let received = "";
    const readUntil = async (pattern: RegExp) => {
      while (!pattern.test(received)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended before ${pattern}: ${received}`);
        received += decoder.decode(value);
      }
    };
    await readUntil(/event: status\ndata: \{"status":"disconnected"/);
    await t.call("POST", `${P}/connect`, { token, body: {} });
    await readUntil(/event: qr\ndata: \{"text":"sandbox-qr:r1[^"]*","dataUrl":"data:image\/png;base64,/);
    await t.call("POST", `${P}/sandbox/link`, { body: { userId: "r1", phone: "+33600000001" } });
    await readUntil(/"status":"connected"/);
    controller.abort();
    await reader.cancel().catch(() => {});
  });

  it("a referrer only ever sees their own targets and stats", async () => {
    const svc = { service: true };
    for (const r of ["r1", "r2"]) {
      await t.call("POST", `${P}/internal/subscriptions`, { ...svc, body: { userId: r, active: true } });
      await t.call("POST", `${P}/internal/referrals`, {
        ...svc,
        body: { referrerId: r, referral: { userId: `${r}-ref`, phone: r === "r1" ? "+33611111111" : "+33622222222", name: "X", createdAt: "2020-01-01T00:00:00Z" } },
      });
      await t.call("POST", `${P}/connect`, { token: await t.referrerToken(r), body: {} });
      await t.call("POST", `${P}/sandbox/link`, { body: { userId: r, phone: r === "r1" ? "+33600000001" : "+33600000002" } });
    }
    expect((await t.call("POST", `${P}/internal/jobs/enrollment/run`, svc)).body).toEqual({ enrolled: 2, skipped: 0 });
    // Empty values are invalid, not absent (issue 28): each is named.
    const empty = await t.call("GET", `${P}/targets?status=&limit=&cursor=`, { token: await t.referrerToken("r1") });
    expect(empty.status).toBe(400);
    expect(empty.body.error.details.map((d: any) => d.path)).toEqual(["status", "limit", "cursor"]);
    const mine = await t.call("GET", `${P}/targets`, { token: await t.referrerToken("r1") });
    expect(mine.body.items.map((x: any) => x.referralUserId)).toEqual(["r1-ref"]);
    expect(mine.body.nextCursor).toBeNull();
    expect((await t.call("GET", `${P}/stats`, { token: await t.referrerToken("r1") })).body.enrolled).toBe(1);
    expect((await t.call("GET", `${P}/admin/stats`, { token: await t.adminToken() })).body.enrolled).toBe(2);
  });

  it("the listen job can be run by hand: it brings up sessions with active targets and reads their replies", async () => {
    const svc = { service: true };
    await t.call("POST", `${P}/internal/subscriptions`, { ...svc, body: { userId: "r1", active: true } });
    await t.call("POST", `${P}/internal/referrals`, {
      ...svc,
      body: { referrerId: "r1", referral: { userId: "r1-ref", phone: "+33611111111", name: "X", createdAt: "2020-01-01T00:00:00Z" } },
    });
    await t.call("POST", `${P}/connect`, { token: await t.referrerToken("r1"), body: {} });
    await t.call("POST", `${P}/sandbox/link`, { body: { userId: "r1", phone: "+33600000001" } });
    await t.call("POST", `${P}/internal/jobs/enrollment/run`, svc);
    const listen = await t.call("POST", `${P}/internal/jobs/listen/run`, svc);
    expect(listen.status).toBe(200);
    expect(listen.body).toEqual({ ready: 1, skipped: 0, failed: 0 });
    expect((await t.call("POST", `${P}/internal/jobs/listen/run`, { body: {} })).status).toBe(401);
  });
});

describe("operations", () => {
  it("health, ready, metrics, OpenAPI", async () => {
    expect((await t.call("GET", "/health")).body).toEqual({ status: "ok" });
    expect((await t.call("GET", "/ready")).body).toEqual({ status: "ready", checks: { storage: "up", scheduler: "up" } });
    // Security 10: the metrics are behind the service secret.
    expect((await t.call("GET", "/metrics")).status).toBe(401);
    const metrics = await t.call("GET", "/metrics", { service: true });
    expect(metrics.headers.get("content-type")).toMatch(/text\/plain/);
    expect(metrics.body).toMatch(/# TYPE relance_messages_total counter/);
    expect(metrics.body).toMatch(/relance_targets\{status="active"\} 0/);
    expect(metrics.body).toMatch(/relance_sessions_connected 0/);
    const openapi = await t.call("GET", "/openapi.json");
    expect(openapi.body.openapi).toBe("3.1.0");
    expect(Object.keys(openapi.body.paths)).toContain("/api/relance/internal/exit-user");
  });

  it("ready answers 503 within READY_TIMEOUT_MS (2 s) when the storage is frozen", async () => {
    t.service.storage.ping = () => new Promise<void>(() => {});
    vi.useFakeTimers();
    try {
      const pending = t.call("GET", "/ready");
      await vi.advanceTimersByTimeAsync(READY_TIMEOUT_MS);
      const response = await pending;
      expect(response.status).toBe(503);
      expect(response.body.checks.storage).toBe("down");
    } finally {
      vi.useRealTimers();
    }
  });

  it("a dispatch the storage cut short: 503 when nothing could be done, aborted in the body otherwise, counted in metrics", async () => {
    const targets = t.service.storage.targets;
    const original = targets.listDueReferrers;
    targets.listDueReferrers = async () => {
      throw new StorageError("[memory] targets.listDueReferrers failed: injected");
    };
    const response = await t.call("POST", `${P}/internal/jobs/dispatch/run`, { service: true });
    expect(response.status).toBe(503);
    expect(response.body.error).toMatchObject({ code: "unavailable", details: { aborted: true, sent: 0 } });
    expect((await t.call("GET", "/metrics", { service: true })).body).toMatch(/relance_dispatch_aborted_total 1/);
    targets.listDueReferrers = original;
    expect((await t.call("POST", `${P}/internal/jobs/dispatch/run`, { service: true })).body).toEqual({ sent: 0, failed: 0, deferred: 0, held: 0, exited: 0 });
  });

  it("metrics compute global target stats at most once per STATS_TTL_MS, whatever the scrapes", async () => {
    let computed = 0;
    const targets = t.service.storage.targets;
    const original = targets.stats.bind(targets);
    targets.stats = (filter) => {
      computed++;
      return original(filter);
    };
    for (let i = 0; i < 5; i++) expect((await t.call("GET", "/metrics", { service: true })).body).toMatch(/relance_targets\{status="active"\} 0/);
    expect(computed).toBe(1);
  });

  it("ready answers 503 when storage is down", async () => {
    t.service.storage.ping = async () => {
      throw new Error("down");
    };
    const response = await t.call("GET", "/ready");
    expect(response.status).toBe(503);
    expect(response.body.checks.storage).toBe("down");
  });
});
