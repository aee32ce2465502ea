import { describe, expect, it } from "vitest";
import type { EngineEvent } from "@relance/core";
import { createHarness } from "../support/engine-harness.js";

describe("connect, status and config", () => {
  it("links by QR: pending_qr with the QR, then connected, with status events", async () => {
    const h = await createHarness();
    await h.directory.setSubscription({ userId: "ref-1", active: true });
    const events: EngineEvent[] = [];
    h.engine.subscribe((event) => events.push(event));

    const pending = await h.engine.connect("ref-1", { method: "qr" });
    expect(pending).toMatchObject({ status: "pending_qr", qr: { text: expect.stringContaining("sandbox-qr:ref-1") } });
    await h.engine.idle();
    expect((await h.engine.status("ref-1")).status).toBe("pending_qr");
    // Asking again while the QR is pending returns the same link attempt.
    expect(await h.engine.connect("ref-1", { method: "qr" })).toMatchObject({ status: "pending_qr", qr: pending.qr });

    await h.transport.rotateQr("ref-1");
    h.transport.link("ref-1", "+33600000001");
    await h.engine.idle();
    expect(events.filter((e) => e.type === "qr")).toHaveLength(2);
    expect(events.filter((e) => e.type === "status").map((e) => e.type === "status" && e.status.status)).toEqual(["pending_qr", "connected"]);
    expect(await h.engine.status("ref-1")).toEqual({
      status: "connected",
      phone: "+33600000001",
      enabled: true,
      enrollmentPaused: false,
      sendingPaused: false,
      messagesSentToday: 0,
      dailyLimit: 100,
      timezone: "Europe/Paris",
      sendWindow: { start: "08:00", end: "20:00" },
      onReply: "stop",
      restriction: null,
      reason: null,
      health: { state: "good", reason: null, deliveredShare: null },
      newChatQuota: null,
      dayStartsAt: "08:00",
    });
    expect(await h.engine.connect("ref-1")).toMatchObject({ status: "connected", phone: "+33600000001" });
  });

  it("asks for a pairing code only on the referrer's own number from the directory (security 6)", async () => {
    const h = await createHarness();
    await h.directory.setSubscription({ userId: "ref-1", active: true });
    // No number on record: no link-device prompt can be pushed to anyone.
    await expect(h.engine.connect("ref-1", { method: "pairing_code", phone: "+33600000001" })).rejects.toMatchObject({ code: "invalid_request" });
    await h.directory.setSubscription({ userId: "ref-1", active: true, phone: "+33600000001" });
    // A stranger's number is refused, the referrer's own accepted.
    const refused = h.engine.connect("ref-1", { method: "pairing_code", phone: "+33699999999" });
    await expect(refused).rejects.toMatchObject({ code: "invalid_request", details: [{ path: "phone" }] });
    expect(await h.engine.connect("ref-1", { method: "pairing_code", phone: "+33600000001" })).toMatchObject({ status: "pending_pairing" });
  });

  it("links by pairing code, requires a phone for it, and refuses switching method mid-link", async () => {
    const h = await createHarness();
    await h.directory.setSubscription({ userId: "ref-1", active: true, phone: "+33600000001" });
    await expect(h.engine.connect("ref-1", { method: "pairing_code" })).rejects.toMatchObject({ code: "invalid_request" });
    const pending = await h.engine.connect("ref-1", { method: "pairing_code", phone: "+33600000001" });
    expect(pending).toMatchObject({ status: "pending_pairing", pairingCode: expect.stringMatching(/^[A-Z0-9]{8}$/) });
    await expect(h.engine.connect("ref-1", { method: "qr" })).rejects.toMatchObject({ code: "conflict" });
    await h.engine.disconnect("ref-1");
    expect(await h.engine.connect("ref-1", { method: "qr" })).toMatchObject({ status: "pending_qr" });
  });

  it("disconnects, and logs out without notifying the referrer of their own action", async () => {
    const h = await createHarness();
    await h.addReferrer("ref-1", "+33600000001");
    expect(await h.engine.disconnect("ref-1")).toMatchObject({ status: "disconnected" });
    expect(await h.engine.disconnect("ref-1", { logout: true })).toMatchObject({ status: "logged_out" });
    expect(h.notifier.sent).toHaveLength(0);
    // Logged out is no longer "linked": enrollment skips the referrer.
    await h.addReferral("ref-1", "u", "+33611111111");
    expect((await h.engine.runEnrollment()).enrolled).toBe(0);
  });

  it("updates pauses, time zone and send window, and refuses bad values with details", async () => {
    const h = await createHarness();
    const status = await h.engine.updateConfig("ref-1", { sendingPaused: true, timezone: "America/New_York", sendWindow: { start: "09:30", end: "18:00" } });
    expect(status).toMatchObject({ sendingPaused: true, enabled: true, timezone: "America/New_York", sendWindow: { start: "09:30", end: "18:00" } });
    await expect(h.engine.updateConfig("ref-1", { timezone: "Europe/Atlantis" })).rejects.toMatchObject({
      code: "invalid_request",
      details: [{ path: "timezone", message: expect.any(String) }],
    });
    await expect(h.engine.updateConfig("ref-1", { sendWindow: { start: "25:00", end: "8:00" } })).rejects.toMatchObject({
      details: [{ path: "sendWindow.start" }, { path: "sendWindow.end" }],
    });
    expect((await h.engine.status("ref-1")).timezone).toBe("America/New_York");
  });
});

describe("targets listing", () => {
  it("pages through a referrer's own targets with a cursor, filtered by status", async () => {
    const h = await createHarness();
    await h.addReferrer("ref-1", "+33600000001");
    await h.addReferrer("ref-2", "+33600000002");
    for (let i = 0; i < 7; i++) await h.addReferral("ref-1", `u${i}`, `+3361111111${i}`);
    await h.addReferral("ref-2", "other", "+33622222222");
    await h.engine.runEnrollment();
    await h.engine.exitUser("u3", "manual");

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<typeof h.engine.listTargets>> = await h.engine.listTargets("ref-1", { limit: 3, cursor });
      seen.push(...page.items.map((t) => t.referralUserId));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen.sort()).toEqual(["u0", "u1", "u2", "u3", "u4", "u5", "u6"]);
    expect((await h.engine.listTargets("ref-1", { status: "exited" })).items.map((t) => t.referralUserId)).toEqual(["u3"]);
    await expect(h.engine.listTargets("ref-1", { limit: 0 })).rejects.toMatchObject({ code: "invalid_request" });
    await expect(h.engine.listTargets("ref-1", { status: "zombie" as never })).rejects.toMatchObject({ code: "invalid_request" });
  });
});

describe("admin messages", () => {
  it("upserts, replaces, lists by day, deletes and previews", async () => {
    const h = await createHarness();
    expect((await h.engine.messages.upsert({ dayNumber: 2, messageTemplate: { fr: "J2 {{firstName}}" } })).created).toBe(true);
    expect((await h.engine.messages.upsert({ dayNumber: 1, messageTemplate: { fr: "J1", en: "D1 {{name}}" } })).created).toBe(true);
    expect((await h.engine.messages.upsert({ dayNumber: 2, messageTemplate: { fr: "J2 bis {{firstName}}" } })).created).toBe(false);
    expect((await h.engine.messages.list()).map((m) => [m.dayNumber, m.messageTemplate.fr])).toEqual([
      [1, "J1"],
      [2, "J2 bis {{firstName}}"],
    ]);

    const replaced = await h.engine.messages.replace(1, { messageTemplate: { fr: "J1 v2" }, active: false });
    expect(replaced).toMatchObject({ dayNumber: 1, active: false, mediaUrls: [] });
    await expect(h.engine.messages.replace(9, { messageTemplate: { fr: "x" } })).rejects.toMatchObject({ code: "not_found" });

    expect(await h.engine.messages.preview({ dayNumber: 2, language: "en", variables: { name: "Léa Roux" } })).toEqual({
      text: "J2 bis Léa",
      media: [],
      language: "fr",
    });
    await expect(h.engine.messages.preview({ dayNumber: 2, language: "fr", variables: { promo: "x" } })).rejects.toMatchObject({ code: "invalid_request" });
    await expect(h.engine.messages.preview({ dayNumber: 5, language: "fr" })).rejects.toMatchObject({ code: "not_found" });

    await h.engine.messages.delete(2);
    await expect(h.engine.messages.delete(2)).rejects.toMatchObject({ code: "not_found" });
    expect((await h.engine.messages.list()).map((m) => m.dayNumber)).toEqual([1]);
  });

  it("refuses a template with unknown variables, naming them", async () => {
    const h = await createHarness();
    await expect(h.engine.messages.upsert({ dayNumber: 1, messageTemplate: { fr: "Code {{promoCode}} pour {{prenom}}" } })).rejects.toMatchObject({
      code: "invalid_request",
      details: [{ path: "messageTemplate.fr", message: expect.stringMatching(/promoCode, prenom/) }],
    });
  });
});

describe("a referrer's own disconnect", () => {
  it("holds their relances in every process, even one whose session is still open, until they connect again", async () => {
    const h = await createHarness();
    await h.seedMessages(7);
    await h.addReferrer("ref-1", "+33600000001");
    await h.addReferral("ref-1", "u1", "+33611111111");
    await h.engine.runEnrollment();
    await h.engine.disconnect("ref-1");

    // Another instance still drives the session (its socket never heard of the disconnect).
    h.transport.link("ref-1", "+33600000001");
    const other = h.spawnProcess();
    expect(await h.dispatch(other)).toMatchObject({ sent: 0, held: 1 });
    expect(h.transport.outbox()).toHaveLength(0);
    // ...and it closed that session instead of reporting it connected.
    expect(h.transport.getState("ref-1").status).toBe("disconnected");
    expect(h.notifier.sent).toHaveLength(0);

    await h.engine.connect("ref-1");
    h.transport.link("ref-1", "+33600000001");
    await h.engine.idle();
    // Connecting again brings the held targets back at once (not after heldRecheckMs).
    expect((await h.dispatch(other)).sent).toBe(1);
  });
});
