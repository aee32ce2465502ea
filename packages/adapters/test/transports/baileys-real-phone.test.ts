import { describe, expect, it } from "vitest";
import { DisconnectReason, NewChatMessageCappingStatusType, getCompanionPlatformId, type WAMessage } from "@whiskeysockets/baileys";
import { SenderRestrictedError, type Logger, type OutgoingMessage } from "@relance/core";
import type { SessionRepository, StorageBackend } from "../../src/ports/index.js";
import { ManualClock } from "../../src/index.js";
import { BAKED_WA_VERSION } from "../../src/transports/baileys/wa-version.js";
import { DEFAULT_BROWSER } from "../../src/transports/baileys/socket.js";
import { messageIdFor, textContent } from "../../src/transports/baileys/content.js";
import { sessionIdOf } from "../../src/transports/baileys/index.js";
import { FakeWhatsApp } from "../../src/testing/fake-baileys-socket.js";
import { PHONE, REFERRAL, REFERRER, linked, memoryStorage, settle, setup, storedEntry, until, type Setup } from "./support/baileys-harness.js";

// Each case here is a gap of ../shared/whatsapp-real-phone-gaps.md (its number in the title):
// a behaviour a live account shows and the sandbox cannot.

const message: OutgoingMessage = { to: REFERRAL, text: "Bonjour Alice", media: [], language: "fr" };
const send = (s: Setup, key = "k1") => s.transport.send(REFERRER, message, { idempotencyKey: key, targetId: "t", day: 1 });
const inboundOf = (s: Setup) => s.events.flatMap((e) => (e.type === "inbound" ? [[e.from, e.text]] : []));
const eventIndex = (s: Setup, predicate: (e: Setup["events"][number]) => boolean) => s.events.findIndex(predicate);

/** Linked, then the process stops: the next transport restores the session from storage. */
async function restorable(options: { world?: FakeWhatsApp; storage?: StorageBackend; clock?: ManualClock } = {}) {
  const storage = options.storage ?? (await memoryStorage());
  const clock = options.clock ?? new ManualClock("2026-01-05T10:00:00Z", { autoAdvance: false });
  const world = options.world ?? new FakeWhatsApp({ now: () => clock.now() });
  const first = await setup({ storage, world, clock });
  await linked(first);
  await first.transport.close();
  return { storage, world, clock };
}

function recordingLogger(): Logger & { lines: Array<{ level: string; data: unknown; msg: string }> } {
  const lines: Array<{ level: string; data: unknown; msg: string }> = [];
  const log = (level: string) => (data: unknown, msg?: string) => void lines.push({ level, data, msg: msg ?? "" });
  const logger = { lines, debug: log("debug"), info: log("info"), warn: log("warn"), error: log("error"), child: () => logger };
  return logger as unknown as Logger & { lines: typeof lines };
}

describe("baileys on a real phone: linking (gaps 2, 6, 14)", () => {
  it("2: announces a browser WhatsApp accepts for pairing codes (platform id 1-6, a real OS)", () => {
    const platformId = Number(getCompanionPlatformId(DEFAULT_BROWSER));
    expect(platformId).toBeGreaterThanOrEqual(1);
    expect(platformId).toBeLessThanOrEqual(6);
    expect(DEFAULT_BROWSER[0]).toBe("Mac OS");
  });

  it("2: a pairing code never entered on the phone ends the link with a reason, and its creds are discarded", async () => {
    const s = await setup({ pairingTimeoutMs: 40 });
    const shown = await s.transport.connect(REFERRER, { method: "pairing_code", phone: PHONE });
    expect(shown.status).toBe("pending_pairing");
    await until(() => s.transport.getState(REFERRER).status === "failed", "link timed out");
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(s.transport.getState(REFERRER)).toMatchObject({ status: "failed", reason: "the pairing code was not entered on the phone within 40 ms: start again" });
    expect(await s.storage.sessions.exists(sessionIdOf(REFERRER))).toBe(false);
  });

  it("14: a pairing interrupted by a network drop ends (no login on half-set creds, no 'unlinked'); the next connect starts fresh", async () => {
    const s = await setup();
    await s.transport.connect(REFERRER, { method: "pairing_code", phone: PHONE });
    const socket = s.world.current(REFERRER);
    expect(socket.creds.me).toEqual({ id: "33600000001@s.whatsapp.net", name: "~" }); // requestPairingCode set `me` (lib/Socket/socket.js:602)
    await socket.closeWith(DisconnectReason.connectionClosed);
    await until(() => s.transport.getState(REFERRER).status === "failed", "failed");
    expect(s.transport.getState(REFERRER).reason).toBe("the link was interrupted (connection closed (428)): start again");
    s.clock.advance(120_000);
    await settle();
    expect(s.world.socketsOf(REFERRER)).toHaveLength(1);
    expect(await s.storage.sessions.exists(sessionIdOf(REFERRER))).toBe(false);

    const again = await s.transport.connect(REFERRER, { method: "qr" });
    expect(again.status).toBe("pending_qr");
    expect(s.world.current(REFERRER).creds.me).toBeUndefined();
  });

  it("6: the WhatsApp Web version is read at start, falls back to the baked one, is read again after a day and after a 405", async () => {
    const answers: Array<"fail" | number> = ["fail", 1_000_000_002, 1_000_000_003];
    const calls: number[] = [];
    const s = await setup({
      socketMaxAgeMs: 7 * 24 * 60 * 60_000, // no socket renewal in the way of the socket counts below
      fetchWaVersion: async () => {
        calls.push(calls.length);
        const next = answers.shift();
        if (next === "fail" || next === undefined) throw new Error("getaddrinfo ENOTFOUND web.whatsapp.com");
        return { version: [2, 3000, next], isLatest: true };
      },
    });
    await linked(s);
    // Unreachable at start: the baked version, and a warning rather than a failure.
    expect(s.world.versions[0]).toEqual(BAKED_WA_VERSION);

    s.clock.advance(24 * 60 * 60_000);
    await s.transport.ensureReady(REFERRER);
    await until(() => calls.length === 2, "daily refresh");
    await s.world.current(REFERRER).closeWith(DisconnectReason.connectionLost);
    s.clock.advance(5_000);
    await until(() => s.world.socketsOf(REFERRER).length === 3, "reconnected");
    expect(s.world.current(REFERRER).config.version).toEqual([2, 3000, 1_000_000_002]);

    // 405: WhatsApp no longer accepts that version; the reason says so and it is read again.
    await until(() => s.transport.getState(REFERRER).status === "connected", "connected");
    await s.world.current(REFERRER).closeWith(405, "Connection Failure");
    await until(() => s.transport.getState(REFERRER).reason?.startsWith("client version too old (405)") === true, "backing off");
    expect(s.transport.getState(REFERRER).status).toBe("connecting");
    await until(() => calls.length === 3, "read after 405");
    s.clock.advance(5_000);
    await until(() => s.world.socketsOf(REFERRER).length === 4, "reconnected after 405");
    expect(s.world.current(REFERRER).config.version).toEqual([2, 3000, 1_000_000_003]);
  });
});

describe("baileys on a real phone: never miss a STOP (gaps 3, 4, 13)", () => {
  it("3: a restored session is ready only once the offline backlog is handed over: its STOP comes first", async () => {
    const { storage, world, clock } = await restorable();
    world.holdOfflineBacklog = true;
    world.sendWhileOffline(REFERRER, { key: { remoteJid: "33611111111@s.whatsapp.net", fromMe: false, id: "OFF1" }, message: { conversation: "STOP" }, messageTimestamp: 1 } as WAMessage);
    const s = await setup({ storage, world, clock });
    const ready = s.transport.ensureReady(REFERRER);
    await until(() => world.socketsOf(REFERRER).at(-1)?.isOpen === true, "socket open");
    await settle();
    // Open, but the backlog is not handled yet: not connected, nothing may be sent.
    expect(s.transport.getState(REFERRER).status).not.toBe("connected");
    await expect(send(s)).rejects.toThrow(/disconnected|connecting/);

    world.current(REFERRER).releaseOfflineBacklog();
    expect(await ready).toMatchObject({ status: "connected" });
    const stop = eventIndex(s, (e) => e.type === "inbound" && e.text === "STOP");
    const connected = eventIndex(s, (e) => e.type === "link" && e.state.status === "connected");
    expect(stop).toBeGreaterThanOrEqual(0);
    expect(stop).toBeLessThan(connected);
  });

  it("3: a server that never ends the backlog does not keep the sender down forever", async () => {
    const { storage, world, clock } = await restorable();
    world.neverEndsOfflineBacklog = true;
    const logger = recordingLogger();
    const s = await setup({ storage, world, clock, offlineDrainTimeoutMs: 30, logger });
    expect(await s.transport.ensureReady(REFERRER)).toMatchObject({ status: "connected" });
    expect(logger.lines.some((l) => l.level === "warn" && /offline backlog/.test(l.msg))).toBe(true);
  });

  it("4: a LID reply without remoteJidAlt is resolved through Baileys' LID store", async () => {
    const s = await setup();
    const socket = await linked(s);
    s.world.lidStore.set("111222333@lid", "33611111111@s.whatsapp.net");
    socket.receiveFromLid("111222333:5@lid", "STOP");
    await until(() => inboundOf(s).length === 1, "reply");
    expect(inboundOf(s)).toEqual([["+33611111111", "STOP"]]);
  });

  it("4: a LID reply nobody can map is parked with a warning (no number, no text logged), never dropped, and handed over once mapped", async () => {
    const logger = recordingLogger();
    const s = await setup({ logger });
    const socket = await linked(s);
    socket.receiveFromLid("444555666@lid", "STOP svp");
    await settle();
    expect(inboundOf(s)).toEqual([]);
    const warning = logger.lines.find((l) => l.level === "warn" && /LID with no known phone/.test(l.msg));
    expect(warning).toMatchObject({ data: { referrerUserId: REFERRER, dropped: 0 } });
    expect(JSON.stringify(warning)).not.toMatch(/STOP|444555666|336/);
    // Kept encrypted with the session: nothing readable at rest.
    const raw = await s.storage.sessions.get(sessionIdOf(REFERRER), ["parked-replies"]);
    expect(await storedEntry(s, "parked-replies")).toEqual([{ lid: "444555666@lid", text: "STOP svp", at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/) }]); // the message's timestamp, in seconds
    expect(raw["parked-replies"]).not.toMatch(/STOP|444555666/);

    socket.learnLid("444555666@lid", "33611111111@s.whatsapp.net");
    await until(() => inboundOf(s).length === 1, "parked reply handed over");
    expect(inboundOf(s)).toEqual([["+33611111111", "STOP svp"]]);
    expect(await s.storage.sessions.get(sessionIdOf(REFERRER), ["parked-replies"])).toEqual({});
  });

  it("4: a parked reply survives a restart and is handed over when a later socket knows the LID", async () => {
    const storage = await memoryStorage();
    const clock = new ManualClock("2026-01-05T10:00:00Z", { autoAdvance: false });
    const world = new FakeWhatsApp({ now: () => clock.now() });
    const first = await setup({ storage, world, clock });
    const socket = await linked(first);
    socket.receiveFromLid("777888999@lid", "ARRET");
    await settle();
    await first.transport.close();
    expect(inboundOf(first)).toEqual([]);

    world.lidStore.set("777888999@lid", "33622222222@s.whatsapp.net");
    const second = await setup({ storage, world, clock });
    await second.transport.ensureReady(REFERRER);
    expect(inboundOf(second)).toEqual([["+33622222222", "ARRET"]]);
  });

  it("4: a LID learned when sending matches the contact's later replies even without any mapping left", async () => {
    const s = await setup();
    const socket = await linked(s);
    s.world.lidStore.set("5550001@lid", "33611111111@s.whatsapp.net");
    expect(await s.transport.isOnWhatsApp(REFERRER, REFERRAL)).toBe(true);
    await send(s);
    await settle();
    s.world.lidStore.clear();
    socket.receiveFromLid("5550001@lid", "stop");
    await until(() => inboundOf(s).length === 1, "reply");
    expect(inboundOf(s)).toEqual([["+33611111111", "stop"]]);
  });

  it("13: the JID the number check returns is used for sending and for matching replies (Brazil's ninth digit)", async () => {
    const s = await setup();
    const socket = await linked(s);
    const brazil = "+5511987654321";
    s.world.canonicalJids.set("5511987654321", "551187654321@s.whatsapp.net");
    expect(await s.transport.isOnWhatsApp(REFERRER, brazil)).toBe(true);
    await s.transport.send(REFERRER, { ...message, to: brazil }, { idempotencyKey: "br", targetId: "t", day: 1 });
    expect(socket.sent.at(-1)!.jid).toBe("551187654321@s.whatsapp.net");

    socket.receive([{ key: { remoteJid: "551187654321@s.whatsapp.net", fromMe: false, id: "R1" }, message: { conversation: "PARE" }, messageTimestamp: 1 } as WAMessage]);
    // The shared rule (session/canonical-ids.ts), as whatsapp-web.js: the reply is the checked
    // number's, and the account's own number's (a STOP then covers both spellings of the person).
    await until(() => inboundOf(s).length === 2, "reply");
    expect(inboundOf(s)).toEqual([
      [brazil, "PARE"],
      ["+551187654321", "PARE"],
    ]);
  });
});

describe("baileys on a real phone: retry receipts (gap 5)", () => {
  it("answers a retry receipt after a restart from an encrypted store of sent content, for 7 days", async () => {
    const storage = await memoryStorage();
    const clock = new ManualClock("2026-01-05T10:00:00Z", { autoAdvance: false });
    const world = new FakeWhatsApp({ now: () => clock.now() });
    const first = await setup({ storage, world, clock });
    await linked(first);
    const { messageId } = await send(first);
    await first.transport.close();

    const raw = Object.values(await storage.sessions.get(sessionIdOf(REFERRER), ["sent-2026-01-05"]));
    expect(raw).toHaveLength(1);
    expect(raw[0]).not.toContain("Bonjour");

    // A new socket: Baileys' own cache is gone (lib/Socket/messages-send.js:987-988).
    clock.advance(6 * 24 * 60 * 60_000);
    const second = await setup({ storage, world, clock });
    await second.transport.ensureReady(REFERRER);
    const found = await world.current(REFERRER).requestResend(messageId);
    expect(found?.extendedTextMessage?.text).toBe("Bonjour Alice");

    clock.advance(2 * 24 * 60 * 60_000);
    expect(await world.current(REFERRER).requestResend(messageId)).toBeUndefined();
  });

  it("deletes a day's stored messages once it is past the retention (the next send of a later day purges)", async () => {
    const s = await setup();
    await linked(s);
    const { messageId } = await send(s);
    const day = sessionIdOf(REFERRER);
    expect(Object.keys(await s.storage.sessions.get(day, ["sent-2026-01-05", `sent-2026-01-05/${messageId}`]))).toHaveLength(2);
    s.clock.advance(9 * 24 * 60 * 60_000);
    await send(s, "k-later");
    expect(await s.storage.sessions.get(day, ["sent-2026-01-05", `sent-2026-01-05/${messageId}`])).toEqual({});
  });

  it("sends texts without a link preview (link-preview-js is not installed; the server fetches no URL)", () => {
    expect(textContent("Payez ici https://pay.example.com/x")).toEqual({ text: "Payez ici https://pay.example.com/x", linkPreview: null });
  });
});

describe("baileys on a real phone: restrictions hold the sender (gap 7)", () => {
  it("a reach-out time lock pushed by the server holds sends until it is lifted", async () => {
    const s = await setup();
    const socket = await linked(s);
    const until_ = new Date("2026-01-06T10:00:00Z");
    socket.pushTimelock({ isActive: true, timeEnforcementEnds: until_ });
    const error = await send(s).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SenderRestrictedError);
    expect(error).toMatchObject({ until: until_, reason: expect.stringMatching(/reach-out time lock/) });
    expect(socket.sent).toHaveLength(0);
    expect(await s.transport.ensureReady(REFERRER)).toMatchObject({ status: "connected", restriction: { until: until_ } });
    expect(s.events.some((e) => e.type === "link" && e.state.restriction !== undefined)).toBe(true);

    socket.pushTimelock({ isActive: false });
    await expect(send(s)).resolves.toMatchObject({ messageId: expect.any(String) });
  });

  it("the restrictions are asked for when a socket opens: a time-locked account is connected but held", async () => {
    const { storage, world, clock } = await restorable();
    world.timelocks.set(REFERRER, { isActive: true, timeEnforcementEnds: new Date("2026-01-05T12:00:00Z") });
    const s = await setup({ storage, world, clock });
    expect(await s.transport.ensureReady(REFERRER)).toMatchObject({ status: "connected", restriction: { until: new Date("2026-01-05T12:00:00Z") } });
    clock.advance(2 * 60 * 60_000);
    expect(s.transport.getState(REFERRER).restriction).toBeUndefined();
    await expect(send(s)).resolves.toMatchObject({ messageId: expect.any(String) });
  });

  it("new chats CAPPED (message-capping.update) hold the sender until the cycle ends; warnings do not", async () => {
    const s = await setup();
    const socket = await linked(s);
    socket.pushCapping({ capping_status: NewChatMessageCappingStatusType.FIRST_WARNING, used_quota: 40, total_quota: 50 });
    await expect(send(s, "a")).resolves.toEqual({ messageId: messageIdFor("a", 0), mediaMessageIds: [] });
    const cycleEnd = Math.floor(new Date("2026-01-07T00:00:00Z").getTime() / 1000);
    socket.pushCapping({ capping_status: NewChatMessageCappingStatusType.CAPPED, used_quota: 50, total_quota: 50, cycle_end_timestamp: String(cycleEnd) });
    await expect(send(s, "b")).rejects.toMatchObject({ code: "sender_restricted", until: new Date(cycleEnd * 1000), reason: expect.stringMatching(/50\/50/) });
  });

  it("error 463 on a message's ack is a failed receipt and holds the sender (no retry worsening it) for the hold period", async () => {
    const s = await setup({ restrictionHoldMs: 60 * 60_000 });
    const socket = await linked(s);
    const { messageId } = await send(s);
    socket.refuseAsRestricted(messageId);
    expect(s.events.filter((e) => e.type === "receipt")).toEqual([expect.objectContaining({ messageId, status: "failed", error: "463" })]);
    await expect(send(s, "k2")).rejects.toBeInstanceOf(SenderRestrictedError);
    s.clock.advance(60 * 60_000);
    await expect(send(s, "k3")).resolves.toEqual({ messageId: messageIdFor("k3", 0), mediaMessageIds: [] });
  });
});

describe("baileys on a real phone: shutdown keeps the creds (gap 10)", () => {
  it("close waits for the creds written by the last creds.update, even on a slow store", async () => {
    const storage = await memoryStorage();
    const slow: SessionRepository = {
      get: (id, keys) => storage.sessions.get(id, keys),
      set: async (id, entries) => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        await storage.sessions.set(id, entries);
      },
      clear: (id) => storage.sessions.clear(id),
      scan: (after, limit) => storage.sessions.scan(after, limit),
      replaceIf: (id, key, expected, value) => storage.sessions.replaceIf(id, key, expected, value),
      exists: (id) => storage.sessions.exists(id),
    };
    const s = await setup({ storage: { ...storage, sessions: slow } as StorageBackend });
    const socket = await linked(s);
    socket.ev.emit("creds.update", { nextPreKeyId: 4242, firstUnuploadedPreKeyId: 4242 });
    await s.transport.close();

    const reader = await setup({ storage, world: s.world, clock: s.clock });
    await reader.transport.ensureReady(REFERRER);
    expect(reader.world.current(REFERRER).creds.nextPreKeyId).toBe(4242);
  });
});
