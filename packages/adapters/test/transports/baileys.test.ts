import { describe, expect, it } from "vitest";
import { DisconnectReason, initAuthCreds, proto, type WAMessage } from "@whiskeysockets/baileys";
import { SessionDrivenElsewhereError, TransportUnavailableError, type Transport } from "@relance/core";
import { ManualClock, createSessionCipher } from "../../src/index.js";
import { runTransportContract } from "../../src/testing/index.js";
import { useStorageAuthState } from "../../src/transports/baileys/auth-state.js";
import { documentMeta, mediaContent, messageIdFor } from "../../src/transports/baileys/content.js";
import { backoffDelay, DEFAULT_RECONNECT } from "../../src/transports/baileys/disconnect-policy.js";
import { toBaileysLogger } from "../../src/transports/baileys/logger.js";
import { sessionIdOf } from "../../src/transports/baileys/index.js";
import { FakeWhatsApp, fakeMediaBytes, fakeMediaDownloader } from "../../src/testing/fake-baileys-socket.js";
import { PHONE, REFERRAL, REFERRER, SECRET, linkStates, linked, memoryStorage, settle, setup, until } from "./support/baileys-harness.js";

/** The LID the fake's WhatsApp gives a number (any digits other than the number's). */
const lidOf = (phone: string) => `9${phone.replace(/^\+/, "")}@lid`;
const pnJidOf = (phone: string) => `${phone.replace(/^\+/, "")}@s.whatsapp.net`;

runTransportContract("baileys", {
  async create() {
    let mediaFailure: string | null = null;
    const downloadMedia = async (item: { url: string }) => {
      const failure = mediaFailure;
      mediaFailure = null;
      if (failure) throw new Error(failure);
      return fakeMediaDownloader(item);
    };
    const s = await setup({ downloadMedia });
    const others: Transport[] = [];
    let offlineIds = 0;
    return {
      transport: s.transport,
      completeLink: async (referrerUserId, phone) => {
        const socket = s.world.current(referrerUserId);
        // A stored link is restored by connect: there is nothing left to scan.
        if (!socket.isOpen) await socket.linkFromPhone(phone);
      },
      dropConnection: async (referrerUserId, { loggedOut }) => {
        const socket = s.world.current(referrerUserId);
        await (loggedOut ? socket.unlinkFromPhone() : socket.closeWith(DisconnectReason.connectionClosed));
      },
      setOnWhatsApp: (phone, onWhatsApp) => s.world.setOnWhatsApp(phone, onWhatsApp),
      deliverInbound: async (referrerUserId, from, text) => s.world.current(referrerUserId).receiveText(from, text),
      deliverReceipt: async (referrerUserId, messageId, status) => s.world.current(referrerUserId).receiveReceipt(messageId, status),
      observedSends: (referrerUserId) => s.world.observedSends(referrerUserId),
      failNextSend: (message) => s.world.failNextSend(message),
      failFirstMediaOfNextSend: (message) => s.world.failNextSend(message, 1),
      close: async () => {
        await Promise.all([s.transport, ...others].map((t) => t.close()));
      },
      secondInstance: async () => {
        const next = await setup({ storage: s.storage, world: s.world, clock: s.clock, instanceId: `process-${others.length + 2}`, downloadMedia });
        others.push(next.transport);
        return next.transport;
      },
      deliverWhileOffline: async (referrerUserId, from, text) =>
        s.world.sendWhileOffline(referrerUserId, { key: { remoteJid: pnJidOf(from), fromMe: false, id: `OFFLINE${++offlineIds}` }, message: { conversation: text }, messageTimestamp: 1 } as WAMessage),
      replaceSession: (referrerUserId) => s.world.current(referrerUserId).closeWith(DisconnectReason.connectionReplaced, "Stream Errored (conflict)"),
      failNextMediaDownload: (message) => void (mediaFailure = message),
      deliverInboundFromLid: async (referrerUserId, from, text, { mapped }) => {
        if (mapped) s.world.lidStore.set(lidOf(from), pnJidOf(from));
        s.world.current(referrerUserId).receiveFromLid(lidOf(from), text);
      },
      mapLid: (from) => void s.world.lidStore.set(lidOf(from), pnJidOf(from)),
    };
  },
});

describe("baileys transport: linking", () => {
  it("configures the socket for a referrer's phone: stored auth, no online presence, no history", async () => {
    const s = await setup();
    await s.transport.connect(REFERRER, { method: "qr" });
    const { config, context } = s.world.current(REFERRER);
    expect(context).toEqual({ referrerUserId: REFERRER, sessionId: "baileys:referrer-1" });
    expect(config).toMatchObject({ markOnlineOnConnect: false, syncFullHistory: false, browser: ["Mac OS", "Chrome", expect.any(String)], version: [2, 3000, 1_000_000_001] });
    expect(config.getMessage).toEqual(expect.any(Function));
    expect(config.logger?.level).toBe("warn");
    expect(Buffer.isBuffer(config.auth.creds.noiseKey.private)).toBe(true);
  });

  it("emits a link event for each new QR and draws it for the terminal when asked", async () => {
    const drawn: string[] = [];
    const s = await setup({ printQrInTerminal: (text) => drawn.push(text) });
    const first = await s.transport.connect(REFERRER, { method: "qr" });
    expect(first.qr?.text).toMatch(/^https:\/\/wa\.me\/settings\/linked_devices#/);
    s.world.current(REFERRER).rotateQr();
    await until(() => linkStates(s).filter((st) => st.status === "pending_qr").length === 2, "second QR");
    const qrs = linkStates(s).filter((st) => st.status === "pending_qr").map((st) => st.qr?.text);
    expect(new Set(qrs).size).toBe(2);
    await until(() => drawn.length === 2, "terminal QRs");
    expect(drawn[0]).toContain("▄");
  });

  // A pairing code without its number is no `LinkRequest`: the core refuses it (use-cases/connect.ts,
  // test/engine/referrer-and-admin.test.ts), not each transport.

  it("links by pairing code: asks Baileys with the digits after the first QR, then connects after the restart", async () => {
    const s = await setup();
    const state = await s.transport.connect(REFERRER, { method: "pairing_code", phone: PHONE });
    const socket = s.world.current(REFERRER);
    expect(socket.pairingRequests).toEqual(["33600000001"]);
    expect(state).toMatchObject({ status: "pending_pairing", phone: PHONE, pairingCode: expect.stringMatching(/^[0-9A-Z]{4}-[0-9A-Z]{4}$/) });
    expect(state.pairingCode!.replace("-", "")).toBe(socket.creds.pairingCode);

    await socket.linkFromPhone(PHONE);
    await until(() => s.transport.getState(REFERRER).status === "connected", "connected");
    expect(s.world.socketsOf(REFERRER)).toHaveLength(2);
    expect(s.transport.getState(REFERRER)).toMatchObject({ status: "connected", phone: PHONE });
  });

  it("restarts at once on 515 after a QR scan, with the same auth, and stores the linked creds", async () => {
    const s = await setup();
    await s.transport.connect(REFERRER, { method: "qr" });
    const first = s.world.current(REFERRER);
    await first.linkFromPhone(PHONE);
    await until(() => s.transport.getState(REFERRER).status === "connected", "connected");
    const [, second] = s.world.socketsOf(REFERRER);
    expect(second!.creds).toBe(first.creds);
    expect(second!.keys).toBe(first.keys);
    expect(s.clock.sleeps).toEqual([]);
    expect(linkStates(s).map((st) => st.status)).toEqual(["connecting", "pending_qr", "connecting", "connected"]);
    // QR links never set `registered` in Baileys: the stored creds are linked through `account`.
    expect(first.creds.registered).toBe(false);
    const stored = await useStorageAuthState({ sessions: s.storage.sessions, cipher: createSessionCipher({ secrets: [SECRET] }), sessionId: sessionIdOf(REFERRER) });
    expect(stored.state.creds.me?.id).toBe("33600000001:12@s.whatsapp.net");
    expect(stored.state.creds.account).toEqual(first.creds.account);
  });

  it("fails connect when WhatsApp shows no QR in time, and gives the lease back", async () => {
    const world = new FakeWhatsApp();
    world.silent = true;
    const s = await setup({ world, linkTimeoutMs: 30 });
    const state = await s.transport.connect(REFERRER, { method: "qr" });
    expect(state).toMatchObject({ status: "failed", reason: "WhatsApp sent no QR code within 30 ms" });
    expect(world.current(REFERRER).endCalls).toEqual([undefined]);
    expect(await s.storage.leases.get("baileys-session:referrer-1")).toBeNull();
  });

  it("treats 408 before any QR as the network (Baileys maps ENOTFOUND to 408), not as an expired QR", async () => {
    const world = new FakeWhatsApp();
    world.refuseConnections = DisconnectReason.timedOut;
    const s = await setup({ world, linkTimeoutMs: 30 });
    const state = await s.transport.connect(REFERRER, { method: "qr" });
    // A link that did not complete is never retried on half-set creds: it ends, and says why.
    expect(state).toMatchObject({ status: "failed", reason: "the link was interrupted (connection lost (408)): start again" });
    s.clock.advance(2_000);
    await settle();
    expect(world.socketsOf(REFERRER)).toHaveLength(1); // the failed connect stopped the backoff
  });

  it("resolves connect with the final state when the link ends while it waits", async () => {
    const world = new FakeWhatsApp();
    world.pairingCodeError = "bad-request";
    const s = await setup({ world });
    const state = await s.transport.connect(REFERRER, { method: "pairing_code", phone: PHONE });
    expect(state).toMatchObject({ status: "failed", phone: null, reason: "WhatsApp gave no pairing code: bad-request" });
    await settle();
    expect(world.current(REFERRER).endCalls).toEqual([undefined]);
    expect(await s.storage.leases.get("baileys-session:referrer-1")).toBeNull();
  });

  it("starts a new link from fresh creds when an earlier one never completed", async () => {
    const s = await setup();
    await s.transport.connect(REFERRER, { method: "pairing_code", phone: PHONE });
    const abandoned = s.world.current(REFERRER).creds;
    await s.transport.disconnect(REFERRER, { logout: false });
    const state = await s.transport.connect(REFERRER, { method: "qr" });
    expect(state.status).toBe("pending_qr");
    const fresh = s.world.current(REFERRER).creds;
    expect(fresh.me).toBeUndefined();
    expect(Buffer.from(fresh.noiseKey.public).equals(Buffer.from(abandoned.noiseKey.public))).toBe(false);
  });
});

describe("baileys transport: disconnect reasons", () => {
  it("401 loggedOut: deletes the stored session, logged_out with a reason, lease released, no reconnect", async () => {
    const s = await setup();
    const socket = await linked(s);
    expect(await s.storage.sessions.exists(sessionIdOf(REFERRER))).toBe(true);
    await socket.unlinkFromPhone();
    await until(() => s.transport.getState(REFERRER).status === "logged_out", "logged_out");
    await settle();
    expect(s.transport.getState(REFERRER)).toMatchObject({ status: "logged_out", phone: null, reason: expect.stringMatching(/unlinked from the phone/) });
    expect(await s.storage.sessions.exists(sessionIdOf(REFERRER))).toBe(false);
    expect(await s.storage.leases.get("baileys-session:referrer-1")).toBeNull();
    expect(s.world.socketsOf(REFERRER)).toHaveLength(2);
    expect(await s.transport.ensureReady(REFERRER)).toMatchObject({ status: "logged_out" });
  });

  it("440 connectionReplaced: failed, no reconnect, and ensureReady does not bring it back", async () => {
    const s = await setup();
    const socket = await linked(s);
    await socket.closeWith(DisconnectReason.connectionReplaced, "Stream Errored (conflict)");
    await until(() => s.transport.getState(REFERRER).status === "failed", "failed");
    await settle();
    expect(s.transport.getState(REFERRER).reason).toBe("replaced by another connection");
    expect(s.world.socketsOf(REFERRER)).toHaveLength(2);
    expect(await s.transport.ensureReady(REFERRER)).toMatchObject({ status: "failed" });
    expect(s.world.socketsOf(REFERRER)).toHaveLength(2);
    expect(await s.storage.sessions.exists(sessionIdOf(REFERRER))).toBe(true); // still linked

    // The referrer connecting again lifts it.
    expect(await s.transport.connect(REFERRER, { method: "qr" })).toMatchObject({ status: "connected", phone: PHONE });
  });

  it("440 after another instance took the session over: ensureReady says so (no outage to report)", async () => {
    const s = await setup();
    const socket = await linked(s);
    await socket.closeWith(DisconnectReason.connectionReplaced, "Stream Errored (conflict)");
    await until(() => s.transport.getState(REFERRER).status === "failed", "failed");
    await settle();
    // Another instance of ours now holds the session's lease.
    const lease = await s.storage.leases.get(`baileys-session:${REFERRER}`);
    if (lease) await s.storage.leases.release(lease.name, lease.owner);
    expect(await s.storage.leases.acquire(`baileys-session:${REFERRER}`, "another-instance", s.clock.now(), 60_000)).toBe(true);
    await expect(s.transport.ensureReady(REFERRER)).rejects.toBeInstanceOf(SessionDrivenElsewhereError);
  });

  it("408 while the QR is shown: nobody scanned, disconnected with 'QR expired', creds dropped, no reconnect", async () => {
    const s = await setup();
    await s.transport.connect(REFERRER, { method: "qr" });
    await s.world.current(REFERRER).expireQr();
    await until(() => s.transport.getState(REFERRER).status === "disconnected", "disconnected");
    await settle();
    expect(s.transport.getState(REFERRER)).toMatchObject({ status: "disconnected", phone: null, reason: "QR expired" });
    expect(s.world.socketsOf(REFERRER)).toHaveLength(1);
    expect(await s.storage.sessions.exists(sessionIdOf(REFERRER))).toBe(false);
    expect(await s.storage.leases.get("baileys-session:referrer-1")).toBeNull();
  });

  it.each([
    ["408 connectionLost", DisconnectReason.connectionLost],
    ["428 connectionClosed", DisconnectReason.connectionClosed],
    ["500 badSession", DisconnectReason.badSession],
    ["503 unavailableService", DisconnectReason.unavailableService],
  ])("%s while connected: connecting during a backoff wait on the clock, then a new socket on the same auth", async (_name, code) => {
    const s = await setup();
    const socket = await linked(s);
    await socket.closeWith(code);
    await until(() => s.transport.getState(REFERRER).reason?.includes("reconnecting") === true, "backing off");
    expect(s.transport.getState(REFERRER).status).toBe("connecting");
    expect(s.transport.getState(REFERRER)).toMatchObject({ phone: PHONE, reason: expect.stringMatching(/reconnecting in 2 s \(attempt 1\/8\)$/) });
    await expect(s.transport.send(REFERRER, { to: REFERRAL, text: "x", media: [], language: "fr" }, { idempotencyKey: "k", targetId: "t", day: 1 })).rejects.toBeInstanceOf(TransportUnavailableError);
    expect(s.world.socketsOf(REFERRER)).toHaveLength(2);

    s.clock.advance(1_999);
    await settle();
    expect(s.world.socketsOf(REFERRER)).toHaveLength(2);
    s.clock.advance(1);
    await until(() => s.transport.getState(REFERRER).status === "connected", "reconnected");
    const sockets = s.world.socketsOf(REFERRER);
    expect(sockets).toHaveLength(3);
    expect(sockets[2]!.openedAt.getTime() - sockets[1]!.openedAt.getTime()).toBe(2_000);
    expect(sockets[2]!.creds).toBe(socket.creds);
  });

  it("backs off 2 s doubling up to 60 s, then gives up as failed after the last attempt", async () => {
    const clock = new ManualClock("2026-01-05T10:00:00Z"); // moves on its own when everything sleeps
    const s = await setup({ clock, world: new FakeWhatsApp({ now: () => clock.now() }), reconnect: { maxAttempts: 7 } });
    const socket = await linked(s);
    s.world.refuseConnections = DisconnectReason.unavailableService;
    await socket.closeWith(DisconnectReason.unavailableService);
    await until(() => s.transport.getState(REFERRER).status === "failed", "failed");
    const opened = s.world.socketsOf(REFERRER).map((socket) => socket.openedAt.getTime());
    expect(opened.slice(2).map((at, i) => at - opened[i + 1]!)).toEqual([2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000]);
    // In steps of at most a second, so that a stop leaves no long timer behind.
    expect(Math.max(...clock.sleeps.map((sleep) => sleep.ms))).toBe(1_000);
    expect(s.transport.getState(REFERRER).reason).toMatch(/^could not connect after 7 attempts \(last: WhatsApp unavailable \(503\)\); next try in 15 min/);
    expect(s.world.socketsOf(REFERRER)).toHaveLength(2 + 7);
    await settle();
    expect(await s.storage.leases.get("baileys-session:referrer-1")).toBeNull();
    // Still linked: a later dispatch tries again, once the give-up's cooldown is over (B8).
    s.world.refuseConnections = null;
    clock.advance(15 * 60_000);
    expect(await s.transport.ensureReady(REFERRER)).toMatchObject({ status: "connected" });
  });

  it("a connection that opens then drops at once uses up its reconnect budget instead of looping forever", async () => {
    const clock = new ManualClock("2026-01-05T10:00:00Z");
    const s = await setup({ clock, world: new FakeWhatsApp({ now: () => clock.now() }), reconnect: { maxAttempts: 3 } });
    await linked(s);
    s.transport.subscribe((event) => {
      if (event.type === "link" && event.state.status === "connected") {
        setImmediate(() => void s.world.current(REFERRER).closeWith(DisconnectReason.connectionClosed));
      }
    });
    await s.world.current(REFERRER).closeWith(DisconnectReason.connectionClosed);
    await until(() => s.transport.getState(REFERRER).status === "failed", "failed");
    expect(s.world.socketsOf(REFERRER)).toHaveLength(2 + 3);
  });

  it.each([
    ["403 forbidden", DisconnectReason.forbidden, /403 forbidden/],
    ["411 multideviceMismatch", DisconnectReason.multideviceMismatch, /multi-device mismatch/],
  ])("%s: failed at once, no reconnect", async (_name, code, reason) => {
    const s = await setup();
    const socket = await linked(s);
    await socket.closeWith(code);
    await until(() => s.transport.getState(REFERRER).status === "failed", "failed");
    await settle();
    expect(s.transport.getState(REFERRER).reason).toMatch(reason);
    expect(s.world.socketsOf(REFERRER)).toHaveLength(2);
    expect(s.clock.sleeps).toEqual([]);
  });

  it("our own disconnect ends the socket without an error and never reconnects", async () => {
    const s = await setup();
    const socket = await linked(s);
    expect(await s.transport.disconnect(REFERRER, { logout: false })).toMatchObject({ status: "disconnected", phone: PHONE, reason: "disconnected by the referrer" });
    await settle();
    expect(socket.endCalls).toEqual([undefined]);
    expect(socket.isClosed).toBe(true);
    expect(s.world.socketsOf(REFERRER)).toHaveLength(2);
    expect(s.clock.sleeps).toEqual([]);
    expect(linkStates(s).at(-1)).toMatchObject({ status: "disconnected" });
    expect(await s.storage.sessions.exists(sessionIdOf(REFERRER))).toBe(true);
  });

  it("logout unlinks the device through Baileys, then deletes the stored session", async () => {
    const s = await setup();
    const socket = await linked(s);
    expect(await s.transport.disconnect(REFERRER, { logout: true })).toMatchObject({ status: "logged_out", phone: null });
    await settle();
    expect(socket.logoutCalls).toBe(1);
    expect(s.world.isLinked(socket.creds)).toBe(false);
    expect(await s.storage.sessions.exists(sessionIdOf(REFERRER))).toBe(false);
    expect(s.world.socketsOf(REFERRER)).toHaveLength(2);
  });
});

describe("baileys transport: stored sessions across processes", () => {
  it("reads the session back after a restart, creds and keys decrypted identically (Buffers intact)", async () => {
    const storage = await memoryStorage();
    const world = new FakeWhatsApp();
    const before = await setup({ storage, world });
    const first = await linked(before);
    const keys = await first.keys.get("pre-key", ["1", "2"]);
    const session = await first.keys.get("session", ["33611111111.0"]);
    await before.transport.close();

    const after = await setup({ storage, world, instanceId: "process-a-restarted" });
    expect(after.transport.getState(REFERRER).status).toBe("disconnected");
    expect(await after.transport.ensureReady(REFERRER)).toMatchObject({ status: "connected", phone: PHONE });
    const restored = world.current(REFERRER);
    expect(restored).not.toBe(first);
    expect(restored.creds).not.toBe(first.creds);
    expect(restored.creds).toEqual(first.creds);
    expect(Buffer.isBuffer(restored.creds.noiseKey.private)).toBe(true);
    expect(Buffer.isBuffer(restored.creds.account?.details)).toBe(true);
    expect(await restored.keys.get("pre-key", ["1", "2"])).toEqual(keys);
    expect(await restored.keys.get("session", ["33611111111.0"])).toEqual(session);
    expect(Buffer.isBuffer((await restored.keys.get("pre-key", ["1"]))["1"]?.private)).toBe(true);
  });

  it("ensureReady does not restore a session the referrer closed, even after a restart; connect does", async () => {
    const storage = await memoryStorage();
    const world = new FakeWhatsApp();
    const before = await setup({ storage, world });
    await linked(before);
    await before.transport.disconnect(REFERRER, { logout: false });
    expect(await before.transport.ensureReady(REFERRER)).toMatchObject({ status: "disconnected", reason: "disconnected by the referrer" });
    await before.transport.close();

    const after = await setup({ storage, world });
    expect(await after.transport.ensureReady(REFERRER)).toMatchObject({ status: "disconnected", reason: "disconnected by the referrer" });
    expect(world.socketsOf(REFERRER)).toHaveLength(2);

    expect(await after.transport.connect(REFERRER, { method: "qr" })).toMatchObject({ status: "connected", phone: PHONE });
    await after.transport.close();
    const again = await setup({ storage, world });
    expect(await again.transport.ensureReady(REFERRER)).toMatchObject({ status: "connected" });
  });

  it("ensureReady leaves referrers without a linked session alone", async () => {
    const s = await setup();
    expect(await s.transport.ensureReady("nobody")).toEqual({ status: "disconnected", phone: null });
    expect(s.world.sockets).toHaveLength(0);
  });

  it("another process gets SessionDrivenElsewhereError while this one holds the session", async () => {
    const storage = await memoryStorage();
    const world = new FakeWhatsApp();
    const a = await setup({ storage, world, instanceId: "process-a" });
    await linked(a);
    const b = await setup({ storage, world, instanceId: "process-b" });
    await expect(b.transport.ensureReady(REFERRER)).rejects.toBeInstanceOf(SessionDrivenElsewhereError);
    expect(world.socketsOf(REFERRER)).toHaveLength(2);

    await a.transport.close();
    expect(await b.transport.ensureReady(REFERRER)).toMatchObject({ status: "connected" });
  });

  it("closes the socket of the least recently used session when the pool is full", async () => {
    const s = await setup({ maxSessions: 1, evictionGraceMs: 0 });
    const first = await linked(s, "r1", "+33600000001");
    await linked(s, "r2", "+33600000002");
    expect(first.endCalls).toEqual([undefined]);
    await settle();
    expect(s.world.socketsOf("r1")).toHaveLength(2);
    expect(s.transport.getState("r1")).toMatchObject({ status: "disconnected", reason: expect.stringMatching(/make room/) });
    // No link event: the device is still linked and comes back on the next send.
    expect(linkStates(s, "r1").at(-1)?.status).toBe("connected");
    expect(await s.transport.ensureReady("r1")).toMatchObject({ status: "connected" });
    expect(s.world.current("r2").endCalls).toEqual([undefined]);
  });
});

describe("baileys transport: sending", () => {
  const message = { to: REFERRAL, text: "Bonjour", language: "fr" as const };

  it("derives message ids from the idempotency key, in Baileys' shape", async () => {
    const s = await setup();
    const socket = await linked(s);
    const media = [{ url: "https://cdn.example.com/a.jpg", type: "image" as const, language: "fr" as const }];
    const one = await s.transport.send(REFERRER, { ...message, media }, { idempotencyKey: "t1:1", targetId: "t1", day: 1 });
    const again = await s.transport.send(REFERRER, { ...message, media }, { idempotencyKey: "t1:1", targetId: "t1", day: 1 });
    const other = await s.transport.send(REFERRER, { ...message, media }, { idempotencyKey: "t1:2", targetId: "t1", day: 2 });
    expect(again).toEqual(one);
    expect(one).toEqual({ messageId: messageIdFor("t1:1", 0), mediaMessageIds: [messageIdFor("t1:1", 1)] });
    expect(other.messageId).not.toBe(one.messageId);
    expect(one.messageId).toMatch(/^3EB0[0-9A-F]{18}$/);
    expect(socket.sent.at(0)?.options).toEqual({ messageId: one.messageId });
    expect(socket.sent.at(0)?.jid).toBe("33611111111@s.whatsapp.net");
  });

  it("sends documents with a mimetype and file name from the URL, audio with its mimetype", async () => {
    const s = await setup();
    const socket = await linked(s);
    await s.transport.send(
      REFERRER,
      {
        ...message,
        media: [
          { url: "https://cdn.example.com/files/Brochure%202026.pdf?v=3", type: "document", language: "both", caption: "Brochure" },
          { url: "https://cdn.example.com/data", type: "document", language: "both" },
          { url: "https://cdn.example.com/voice.ogg", type: "audio", language: "fr", caption: "dropped" },
          { url: "https://cdn.example.com/clip.mp4", type: "video", language: "fr", caption: "Clip" },
        ],
      },
      { idempotencyKey: "k", targetId: "t", day: 1 },
    );
    // Downloaded beforehand and given as bytes: Baileys fetches nothing itself.
    expect(socket.sent.slice(1).map((m) => m.content)).toEqual([
      { document: fakeMediaBytes("https://cdn.example.com/files/Brochure%202026.pdf?v=3"), mimetype: "application/pdf", fileName: "Brochure 2026.pdf", caption: "Brochure" },
      { document: fakeMediaBytes("https://cdn.example.com/data"), mimetype: "application/octet-stream", fileName: "data" },
      { audio: fakeMediaBytes("https://cdn.example.com/voice.ogg"), mimetype: "audio/ogg; codecs=opus" },
      { video: fakeMediaBytes("https://cdn.example.com/clip.mp4"), caption: "Clip" },
    ]);
  });

  it("maps document extensions to mimetypes", () => {
    expect(documentMeta("https://x.test/a/Offre.DOCX")).toEqual({ mimetype: "application/vnd.openxmlformats-officedocument.wordprocessingml.document", fileName: "Offre.DOCX" });
    expect(documentMeta("https://x.test/tarifs.xlsx#p2")).toEqual({ mimetype: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", fileName: "tarifs.xlsx" });
    expect(documentMeta("https://x.test/")).toEqual({ mimetype: "application/octet-stream", fileName: "document" });
    const bytes = Buffer.from("id3");
    expect(mediaContent({ url: "https://x.test/song.mp3", type: "audio", language: "fr" }, bytes)).toEqual({ audio: bytes, mimetype: "audio/mpeg" });
  });

  it("a media failure after the text resolves with partialFailure; a closed connection before anything is TransportUnavailableError", async () => {
    const s = await setup();
    const socket = await linked(s);
    const original = socket.sendMessage.bind(socket);
    let calls = 0;
    socket.sendMessage = async (...args) => {
      if (++calls === 2) throw new Error("Failed to fetch stream from https://cdn.example.com/a.jpg");
      return original(...args);
    };
    const result = await s.transport.send(
      REFERRER,
      { ...message, media: [{ url: "https://cdn.example.com/a.jpg", type: "image", language: "fr" }] },
      { idempotencyKey: "k", targetId: "t", day: 1 },
    );
    expect(result.mediaMessageIds).toEqual([]);
    expect(result.partialFailure).toMatch(/^\[baileys\] text sent to \+33611111111, but media 1\/1: Failed to fetch stream/);

    const { Boom } = await import("@hapi/boom");
    socket.sendMessage = async () => {
      throw new Boom("Connection Closed", { statusCode: DisconnectReason.connectionClosed });
    };
    await expect(s.transport.send(REFERRER, { ...message, media: [] }, { idempotencyKey: "k2", targetId: "t", day: 1 })).rejects.toBeInstanceOf(TransportUnavailableError);
  });

  it("shows presence like a person: available, a subscription then 'composing', 'paused', unavailable", async () => {
    const s = await setup();
    const socket = await linked(s);
    await s.transport.sendPresence(REFERRER, "available");
    await s.transport.sendPresence(REFERRER, "composing", REFERRAL);
    await s.transport.sendPresence(REFERRER, "paused", REFERRAL);
    await s.transport.sendPresence(REFERRER, "unavailable");
    expect(socket.presence).toEqual([
      { type: "available", jid: undefined },
      { type: "subscribe", jid: "33611111111@s.whatsapp.net" },
      { type: "composing", jid: "33611111111@s.whatsapp.net" },
      { type: "paused", jid: "33611111111@s.whatsapp.net" },
      { type: "unavailable", jid: undefined },
    ]);
  });
});

describe("baileys transport: inbound messages and receipts", () => {
  const key = (remoteJid: string, extra: Partial<WAMessage["key"]> = {}) => ({ remoteJid, fromMe: false, id: `ID${Math.random()}`, ...extra });

  it("keeps live 1:1 texts from others, by phone JID or by LID with the phone in remoteJidAlt", async () => {
    const s = await setup();
    const socket = await linked(s);
    socket.receive([
      { key: key("33611111111@s.whatsapp.net"), message: { conversation: "STOP" } },
      { key: key("33622222222@s.whatsapp.net"), message: { extendedTextMessage: { text: "Merci https://x.test" } } },
      { key: key("123456789@lid", { remoteJidAlt: "33633333333@s.whatsapp.net" }), message: { conversation: "via lid" } },
      { key: key("33644444444@s.whatsapp.net"), message: { ephemeralMessage: { message: { conversation: "disappearing" } } } },
      { key: key("33611111111@s.whatsapp.net", { fromMe: true }), message: { conversation: "mine" } },
      { key: key("1203630@g.us", { participant: "33611111111@s.whatsapp.net" }), message: { conversation: "group" } },
      { key: key("status@broadcast"), message: { conversation: "status" } },
      { key: key("987@lid"), message: { conversation: "lid without phone" } },
      { key: key("33655555555@s.whatsapp.net"), message: { imageMessage: {} } },
    ]);
    // Replies that arrived while the socket was closed come back as "append": a STOP among them counts.
    socket.receive([{ key: key("33666666666@s.whatsapp.net"), message: { conversation: "STOP (sent while we were offline)" } }], "append");
    await until(() => s.events.filter((e) => e.type === "inbound").length >= 6, "replies handed over");
    await settle();
    const inbound = s.events.flatMap((e) => (e.type === "inbound" ? [[e.from, e.text]] : []));
    expect(inbound).toEqual([
      ["+33611111111", "STOP"],
      ["+33622222222", "Merci https://x.test"],
      ["+33633333333", "via lid"],
      ["+33644444444", "disappearing"],
      // A photo is a reply too (domain rule "Replies in any shape"), with a label for its text.
      ["+33655555555", "[media]"],
      ["+33666666666", "STOP (sent while we were offline)"],
    ]);
  });

  it("maps status updates and user receipts of our messages to delivered / read / failed", async () => {
    const s = await setup();
    const socket = await linked(s);
    socket.receiveReceipt("A", "played");
    socket.receiveReceipt("B", "error");
    socket.ev.emit("messages.update", [
      { key: { remoteJid: "33611111111@s.whatsapp.net", id: "C", fromMe: true }, update: { status: proto.WebMessageInfo.Status.SERVER_ACK } },
      { key: { remoteJid: "33611111111@s.whatsapp.net", id: "D", fromMe: false }, update: { status: proto.WebMessageInfo.Status.READ } },
    ]);
    socket.ev.emit("message-receipt.update", [
      { key: { remoteJid: "1203630@g.us", id: "E", fromMe: true }, receipt: { userJid: "33611111111@s.whatsapp.net", receiptTimestamp: 1 } },
      { key: { remoteJid: "1203630@g.us", id: "F", fromMe: true }, receipt: { userJid: "33611111111@s.whatsapp.net", readTimestamp: 2 } },
    ]);
    const receipts = s.events.flatMap((e) => (e.type === "receipt" ? [[e.messageId, e.status]] : []));
    expect(receipts).toEqual([
      ["A", "read"],
      ["B", "failed"],
      ["E", "delivered"],
      ["F", "read"],
    ]);
  });
});

describe("baileys transport: helpers", () => {
  it("computes capped exponential delays with a bounded jitter", () => {
    const settings = { ...DEFAULT_RECONNECT, jitterRatio: 0 };
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => backoffDelay(n, settings))).toEqual([2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000]);
    expect(backoffDelay(1, DEFAULT_RECONNECT, () => 0)).toBe(1_600);
    expect(backoffDelay(1, DEFAULT_RECONNECT, () => 1)).toBe(2_400);
  });

  it("passes Baileys' warnings to the core logger without key material or message contents", () => {
    const lines: Array<[Record<string, unknown>, string]> = [];
    const sink = { debug() {}, info() {}, warn: (f: Record<string, unknown>, m: string) => lines.push([f, m]), error: (f: Record<string, unknown>, m: string) => lines.push([f, m]) };
    const logger = toBaileysLogger(sink).child({ referrerUserId: "r1", class: "baileys" });
    const creds = initAuthCreds();
    logger.debug({ frame: "secret frame" }, "recv");
    logger.info({ me: creds.me }, "pairing configured");
    logger.warn({ creds, noiseKey: creds.noiseKey, attrs: { id: "1" }, err: new Error("boom"), count: 3, msgId: "3EB0" }, "stream errored");
    logger.error("plain message");
    expect(lines).toEqual([
      [{ referrerUserId: "r1", class: "baileys", err: "boom", count: 3, msgId: "3EB0", source: "baileys" }, "stream errored"],
      [{ referrerUserId: "r1", class: "baileys", source: "baileys" }, "plain message"],
    ]);
  });
});
