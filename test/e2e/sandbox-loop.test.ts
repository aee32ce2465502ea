import { describe, expect, it } from "vitest";
import { SECRETS, ok, sandboxServerForFile } from "../support/server-process.js";

const P = "/api/relance";
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

// The real server process, as `npm start` runs it, on the embedded file store and the sandbox.
const server = sandboxServerForFile({ RELANCE_MAX_MESSAGES_PER_DAY: "5" });

describe("the sandbox loop over HTTP only", () => {
  it("runs a week: messages, push directory, link, enrollment, 7 days, exit-user, STOP, limits, window, logout, stats", async () => {
    const admin = await server.token("admin-1", "admin");
    const jean = await server.token("jean");
    const marie = await server.token("marie");
    const clock = (body: object) => ok(server.call("POST", `${P}/sandbox/clock`, { body }));
    const dispatch = () => ok(server.call("POST", `${P}/internal/jobs/dispatch/run`, { service: true }));
    const outbox = async (referrerId: string) => (await ok(server.call("GET", `${P}/sandbox/outbox?referrerId=${referrerId}`))).items as any[];

    // Monday 5 January 2026, 09:00 in Paris.
    expect(await clock({ now: "2026-01-05T08:00:00.000Z" })).toEqual({ now: "2026-01-05T08:00:00.000Z" });

    // Admin messages.
    for (let day = 1; day <= 7; day++) {
      const created = await ok(
        server.call("POST", `${P}/admin/messages`, {
          token: admin,
          body: {
            dayNumber: day,
            messageTemplate: { fr: `J{{day}}/{{totalDays}} Bonjour {{firstName}} de la part de {{referrerName}} {{paymentLink}}`, en: `D{{day}} Hi {{firstName}}` },
            ...(day === 1 ? { mediaUrls: [{ url: "https://cdn.example.com/hello.jpg", type: "image", language: "both", caption: "Bienvenue" }] } : {}),
          },
        }),
        201,
      );
      expect(created).toMatchObject({ dayNumber: day, active: true });
    }
    expect((await ok(server.call("GET", `${P}/admin/messages`, { token: admin }))).items.map((m: any) => m.dayNumber)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    const preview = await ok(server.call("POST", `${P}/admin/messages/preview`, { token: admin, body: { dayNumber: 2, language: "en", variables: { name: "Zoé Roux" } } }));
    expect(preview.text).toBe("D2 Hi Zoé");

    // Push directory: two referrers, their referrals (signed up two hours ago).
    const signedUp = "2026-01-05T06:00:00.000Z";
    await ok(server.call("POST", `${P}/internal/subscriptions`, { service: true, body: { userId: "jean", active: true, name: "Jean Martin", phone: "+33600000001" } }));
    await ok(server.call("POST", `${P}/internal/subscriptions`, { service: true, body: { userId: "marie", active: true, name: "Marie Curie", phone: "+33600000002" } }));
    const jeans = ["alice", "bob", "chloe", "dan"];
    for (const [i, userId] of jeans.entries()) {
      await ok(
        server.call("POST", `${P}/internal/referrals`, {
          service: true,
          body: { referrerId: "jean", referral: { userId, phone: `+3361111111${i}`, name: `${userId[0]!.toUpperCase()}${userId.slice(1)} Test`, language: i === 1 ? "en" : "fr", createdAt: signedUp, paymentLink: `https://pay.example.com/${userId}` } },
        }),
      );
    }
    for (let i = 0; i < 7; i++) {
      await ok(server.call("POST", `${P}/internal/referrals`, { service: true, body: { referrerId: "marie", referral: { userId: `m${i}`, phone: `+3362222222${i}`, name: `M ${i}`, createdAt: signedUp } } }));
    }
    await ok(server.call("POST", `${P}/sandbox/numbers`, { body: { phone: "+33611111113", onWhatsApp: false } }));

    // Connect + link.
    const pending = await ok(server.call("POST", `${P}/connect`, { token: jean, body: { method: "qr" } }));
    expect(pending).toMatchObject({ status: "pending_qr", qr: { text: expect.any(String), dataUrl: expect.stringMatching(/^data:image\/png;base64,/) } });
    expect(await ok(server.call("POST", `${P}/sandbox/link`, { body: { userId: "jean", phone: "+33600000001" } }))).toMatchObject({ status: "connected", phone: "+33600000001" });
    await ok(server.call("POST", `${P}/connect`, { token: marie, body: {} }));
    await ok(server.call("POST", `${P}/sandbox/link`, { body: { userId: "marie", phone: "+33600000002" } }));
    expect(await ok(server.call("GET", `${P}/status`, { token: jean }))).toEqual({
      status: "connected",
      phone: "+33600000001",
      enabled: true,
      enrollmentPaused: false,
      sendingPaused: false,
      messagesSentToday: 0,
      dailyLimit: 5,
      timezone: "Europe/Paris",
      sendWindow: { start: "08:00", end: "20:00" },
      onReply: "stop",
      restriction: null,
      reason: null,
      health: { state: "good", reason: null, deliveredShare: null },
      newChatQuota: null,
      dayStartsAt: "08:00",
    });

    // Enrollment.
    expect(await ok(server.call("POST", `${P}/internal/jobs/enrollment/run`, { service: true }))).toEqual({ enrolled: 11, skipped: 0 });

    // Day 1: Jean's three on WhatsApp get day 1, Dan exits invalid_number; Marie hits her daily limit of 5.
    const day1 = await dispatch();
    expect(day1).toMatchObject({ sent: 8, deferred: 2 });
    expect((await outbox("jean")).map((m) => [m.to, m.day])).toEqual([
      ["+33611111110", 1],
      ["+33611111111", 1],
      ["+33611111112", 1],
    ]);
    const first = (await outbox("jean"))[0];
    expect(first).toMatchObject({ from: "+33600000001", text: "J1/7 Bonjour Alice de la part de Jean Martin https://pay.example.com/alice", media: [{ type: "image", caption: "Bienvenue" }] });
    expect((await outbox("jean"))[1].text).toBe("D1 Hi Bob");
    expect((await outbox("marie")).length).toBe(5);
    expect((await ok(server.call("GET", `${P}/status`, { token: marie }))).messagesSentToday).toBe(5);
    const marieWaiting = (await ok(server.call("GET", `${P}/targets?status=active&limit=200`, { token: marie }))).items.filter((t: any) => t.messagesDelivered.length === 0);
    expect(marieWaiting.map((t: any) => t.nextMessageDue)).toEqual(["2026-01-06T07:00:00.000Z", "2026-01-06T07:00:00.000Z"]);

    // Targets are the caller's own, in the contract's shape, paged by cursor.
    const page1 = await ok(server.call("GET", `${P}/targets?limit=2`, { token: jean }));
    expect(page1.items).toHaveLength(2);
    expect(page1.nextCursor).toEqual(expect.any(String));
    const page2 = await ok(server.call("GET", `${P}/targets?limit=2&cursor=${encodeURIComponent(page1.nextCursor)}`, { token: jean }));
    const jeanTargets = [...page1.items, ...page2.items];
    expect(jeanTargets.every((t: any) => t.referrerUserId === "jean")).toBe(true);
    expect(jeanTargets.find((t: any) => t.referralUserId === "dan")).toMatchObject({ status: "exited", exitReason: "invalid_number", exitedLoopAt: expect.stringMatching(/^2026-01-05T08:00/) });
    expect(Object.keys(jeanTargets[0]).sort()).toEqual(
      ["currentDay", "enteredLoopAt", "exitReason", "exitedLoopAt", "holdout", "id", "language", "messagesDelivered", "nextMessageDue", "referralUserId", "referrerUserId", "status"].sort(),
    );

    // Day 2: Chloé replies STOP after her day-2 message.
    await clock({ advanceMs: DAY });
    await dispatch();
    expect(await ok(server.call("POST", `${P}/sandbox/inbound`, { body: { from: "+33611111112", to: "+33600000001", text: "Arrêt" } }))).toEqual({ ok: true });

    // Day 3: Bob pays after his day-3 message.
    await clock({ advanceMs: DAY });
    await dispatch();
    expect(await ok(server.call("POST", `${P}/internal/exit-user`, { service: true, body: { userId: "bob" } }))).toEqual({ exited: 1 });
    expect(await ok(server.call("POST", `${P}/internal/exit-user`, { service: true, body: { userId: "bob" } }))).toEqual({ exited: 0 });

    // Day 4: Marie pauses sending by moving her window; her targets are deferred, not sent.
    await clock({ advanceMs: DAY });
    await ok(server.call("PATCH", `${P}/config`, { token: marie, body: { sendWindow: { start: "18:00", end: "20:00" } } }));
    const day4 = await dispatch();
    expect(day4.deferred).toBeGreaterThan(0);
    const marieBefore = (await outbox("marie")).length;
    await ok(server.call("PATCH", `${P}/config`, { token: marie, body: { sendWindow: { start: "08:00", end: "20:00" } } }));

    // Marie's phone logs the device out: once her targets are due (18:00 in Paris) they are held.
    expect(await ok(server.call("POST", `${P}/sandbox/drop`, { body: { userId: "marie", loggedOut: true } }))).toMatchObject({ status: "logged_out" });
    await clock({ now: "2026-01-08T17:00:00.000Z" });
    const held = await dispatch();
    expect(held).toMatchObject({ sent: 0, failed: 0 });
    expect(held.held).toBeGreaterThanOrEqual(5);
    expect((await outbox("marie")).length).toBe(marieBefore);
    const marieTargets = (await ok(server.call("GET", `${P}/targets?status=active&limit=200`, { token: marie }))).items;
    expect(marieTargets).toHaveLength(7);
    expect((await ok(server.call("GET", `${P}/status`, { token: marie }))).status).toBe("logged_out");

    // Days 5 to 7 for Alice.
    for (let day = 5; day <= 7; day++) {
      await clock({ advanceMs: DAY });
      await dispatch();
    }
    await clock({ advanceMs: DAY });
    expect((await dispatch()).sent).toBe(0);

    expect((await outbox("jean")).filter((m) => m.to === "+33611111110").map((m) => m.day)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect((await outbox("jean")).filter((m) => m.to === "+33611111112").map((m) => m.day)).toEqual([1, 2]);
    expect((await outbox("jean")).filter((m) => m.to === "+33611111111").map((m) => m.day)).toEqual([1, 2, 3]);

    const stats = await ok(server.call("GET", `${P}/stats`, { token: jean }));
    expect(stats).toEqual({
      enrolled: 4,
      active: 0,
      completed: 1,
      exited: { invalid_number: 1, opted_out: 1, paid: 1 },
      // The sandbox's recipients are healthy by default: each message delivered within a minute, most read.
      messages: { sent: 12, delivered: 12, read: expect.any(Number), failed: 0 },
      sentToday: 0,
      conversions: { total: 1, byDay: { "3": 1 }, byVariant: {}, paidBeforeFirstMessage: 0 },
      // No holdout was set: nothing to measure.
      lift: { treated: { targets: 0, converted: 0, rate: 0 }, holdout: { targets: 0, converted: 0, rate: 0 }, absolute: null, relative: null, ci95: null, byDay: [] },
    });
    const global = await ok(server.call("GET", `${P}/admin/stats`, { token: admin }));
    expect(global.enrolled).toBe(11);
    expect(global.active).toBe(7);

    // Operations.
    expect((await fetch(`${server.url}/ready`)).status).toBe(200);
    expect((await fetch(`${server.url}/metrics`)).status).toBe(401);
    const metrics = await (await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${SECRETS.RELANCE_SERVICE_SECRET}`, "x-service-name": "prometheus" } })).text();
    expect(metrics).toMatch(/relance_messages_total\{outcome="sent"\} \d+/);
    expect(metrics).toMatch(/relance_targets\{status="active"\} 7/);
  }, 120_000);
});
