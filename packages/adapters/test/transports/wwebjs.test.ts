import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { SessionDrivenElsewhereError, TransportUnavailableError, type MediaItem, type TransportEvent } from "@relance/core";
import type { SessionRepository } from "../../src/ports/index.js";
import { ManualClock, createSessionCipher } from "../../src/index.js";
import { runTransportContract } from "../../src/testing/index.js";
import { createGuardedRemoteAuth, INITIAL_BACKUP_DELAY_MS } from "../../src/transports/wwebjs/guarded-remote-auth.js";
import { MessageAck, WAState } from "../../src/transports/wwebjs/library.js";
import { ARCHIVE_KEY, ARCHIVE_PENDING_KEY, CLOSED_BY_REFERRER_KEY, createRemoteAuthStore } from "../../src/transports/wwebjs/remote-auth-store.js";
import { sessionIdOf } from "../../src/transports/wwebjs/session-ids.js";
import { loadMediaOffline, observed, PHONE, REFERRAL, REFERRER, SECRET, linked, storedEntry, storedProfilePhone, until, world, type World } from "./support/wwebjs-world.js";

runTransportContract("wwebjs", {
  async create() {
    let mediaFailure: string | null = null;
    const w = await world({
      loadMedia: async (item) => {
        const failure = mediaFailure;
        mediaFailure = null;
        if (failure) throw new Error(failure);
        return loadMediaOffline(item);
      },
    });
    const phones = new Map<string, string>();
    const digits = (phone: string) => phone.replace(/^\+/, "");
    const lidOf = (phone: string) => `9${digits(phone)}@lid`;
    return {
      transport: w.transport,
      completeLink: (referrerUserId, phone) => {
        phones.set(referrerUserId, phone);
        return w.fake.latest(referrerUserId).link(phone);
      },
      dropConnection: async (referrerUserId, { loggedOut }) => {
        const client = w.fake.latest(referrerUserId);
        if (loggedOut) await client.logOutFromPhone();
        else client.loseConnection();
      },
      setOnWhatsApp: (phone, onWhatsApp) => {
        if (onWhatsApp) w.fake.notOnWhatsApp.delete(digits(phone));
        else w.fake.notOnWhatsApp.add(digits(phone));
      },
      deliverInbound: async (referrerUserId, from, text) => void w.fake.latest(referrerUserId).receive(`${digits(from)}@c.us`, text),
      deliverReceipt: async (referrerUserId, messageId, status) =>
        w.fake.latest(referrerUserId).acknowledge(messageId, status === "delivered" ? MessageAck.ACK_DEVICE : MessageAck.ACK_READ),
      observedSends: (referrerUserId) => observed(w.fake, referrerUserId),
      failNextSend: (message) => w.fake.failNextSend(message),
      failFirstMediaOfNextSend: (message) => w.fake.failNextSend(message, 1),
      close: () => w.close(),
      secondInstance: async () => w.otherProcess(),
      deliverWhileOffline: async (referrerUserId, from, text) => void w.fake.receiveWhileOffline(phones.get(referrerUserId)!, `${digits(from)}@c.us`, text),
      replaceSession: (referrerUserId) => w.fake.latest(referrerUserId).conflict(),
      failNextMediaDownload: (message) => void (mediaFailure = message),
      deliverInboundFromLid: async (referrerUserId, from, text, { mapped }) => {
        if (mapped) w.fake.lids.set(lidOf(from), `${digits(from)}@c.us`);
        w.fake.latest(referrerUserId).receive(lidOf(from), text);
      },
      mapLid: (from) => void w.fake.lids.set(lidOf(from), `${digits(from)}@c.us`),
    };
  },
});

describe("wwebjs extras", () => {
  let w: World;
  afterEach(async () => {
    vi.useRealTimers();
    await w?.close();
  });

  describe("RemoteAuth store", () => {
    it("round-trips the archive RemoteAuth wrote, encrypted in the repository", async () => {
      w = await world();
      const store = createRemoteAuthStore({
        sessions: w.storage.sessions,
        cipher: createSessionCipher({ secrets: [SECRET] }),
        sessionId: "wwebjs:r",
        sessionName: "RemoteAuth-r",
        dataPath: w.dataPath,
      });
      const zip = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.from("IndexedDB/https_web.whatsapp.com_0.indexeddb.leveldb secret-noise-key")]);
      expect(await store.sessionExists({ session: "RemoteAuth-r" })).toBe(false);

      await writeFile(join(w.dataPath, "RemoteAuth-r.zip"), zip);
      await store.save({ session: "RemoteAuth-r" });
      expect(await store.sessionExists({ session: "RemoteAuth-r" })).toBe(true);

      const raw = (await w.storage.sessions.get("wwebjs:r", [ARCHIVE_KEY]))[ARCHIVE_KEY]!;
      expect(raw).toMatch(/^v1\./);
      expect(raw).not.toContain(zip.toString("base64"));
      expect(raw).not.toContain("secret-noise-key");
      expect(raw).not.toContain(zip.toString("base64url").slice(0, 16));

      const extracted = join(w.dataPath, "extracted.zip");
      await store.extract({ session: "RemoteAuth-r", path: extracted });
      expect(await readFile(extracted)).toEqual(zip);

      const otherKey = createRemoteAuthStore({
        sessions: w.storage.sessions,
        cipher: createSessionCipher({ secrets: ["another-secret-of-32-characters!"] }),
        sessionId: "wwebjs:r",
        sessionName: "RemoteAuth-r",
        dataPath: w.dataPath,
      });
      await expect(otherKey.extract({ session: "RemoteAuth-r", path: extracted })).rejects.toThrow(/Cannot decrypt/);
      await expect(store.save({ session: "RemoteAuth-someone-else" })).rejects.toThrow(/serves session RemoteAuth-r/);
    });

    it("a save that crashed before its manifest leaves no chunk behind once the next save is done", async () => {
      w = await world();
      const written = new Set<string>();
      let crash = true;
      const sessions: SessionRepository = {
        ...w.storage.sessions,
        get: (id, keys) => w.storage.sessions.get(id, keys),
        async set(id, entries) {
          for (const key of Object.keys(entries)) written.add(key);
          if (crash && ARCHIVE_KEY in entries) throw new Error("process killed");
          return w.storage.sessions.set(id, entries);
        },
      };
      const store = createRemoteAuthStore({ sessions, cipher: createSessionCipher({ secrets: [SECRET] }), sessionId: "wwebjs:r", sessionName: "RemoteAuth-r", dataPath: w.dataPath });
      await writeFile(join(w.dataPath, "RemoteAuth-r.zip"), Buffer.from("first archive"));
      await expect(store.save({ session: "RemoteAuth-r" })).rejects.toThrow(/killed/);
      crash = false;
      await writeFile(join(w.dataPath, "RemoteAuth-r.zip"), Buffer.from("second archive"));
      await store.save({ session: "RemoteAuth-r" });
      await writeFile(join(w.dataPath, "RemoteAuth-r.zip"), Buffer.from("third archive"));
      await store.save({ session: "RemoteAuth-r" });
      const left = Object.keys(await w.storage.sessions.get("wwebjs:r", [...written]));
      // The manifest and one chunk each of the third archive and the second (kept as the previous
      // generation): nothing of the crashed save.
      expect(left.filter((key) => key.startsWith(`${ARCHIVE_KEY}.`))).toHaveLength(2);
      expect(left).toContain(ARCHIVE_KEY);
      expect(left).not.toContain(ARCHIVE_PENDING_KEY);
      const extracted = join(w.dataPath, "extracted.zip");
      await store.extract({ session: "RemoteAuth-r", path: extracted });
      expect((await readFile(extracted)).toString()).toBe("third archive");
      const previous = createRemoteAuthStore({ sessions, cipher: createSessionCipher({ secrets: [SECRET] }), sessionId: "wwebjs:r", sessionName: "RemoteAuth-r", dataPath: w.dataPath, generation: "previous" });
      await previous.extract({ session: "RemoteAuth-r", path: extracted });
      expect((await readFile(extracted)).toString()).toBe("second archive");
    });

    it("ignores delete until a logout allows it, and stops saving when told", async () => {
      w = await world();
      const store = createRemoteAuthStore({
        sessions: w.storage.sessions,
        cipher: createSessionCipher({ secrets: [SECRET] }),
        sessionId: "wwebjs:r",
        sessionName: "RemoteAuth-r",
        dataPath: w.dataPath,
      });
      await writeFile(join(w.dataPath, "RemoteAuth-r.zip"), "PK-v1");
      await store.save({ session: "RemoteAuth-r" });
      await store.delete({ session: "RemoteAuth-r" });
      expect(await store.sessionExists({ session: "RemoteAuth-r" })).toBe(true);

      store.stopWriting();
      const before = (await w.storage.sessions.get("wwebjs:r", [ARCHIVE_KEY]))[ARCHIVE_KEY];
      await writeFile(join(w.dataPath, "RemoteAuth-r.zip"), "PK-v2");
      await store.save({ session: "RemoteAuth-r" });
      expect((await w.storage.sessions.get("wwebjs:r", [ARCHIVE_KEY]))[ARCHIVE_KEY]).toBe(before);

      store.allowDeletion();
      await store.delete({ session: "RemoteAuth-r" });
      expect(await store.sessionExists({ session: "RemoteAuth-r" })).toBe(false);
    });
  });

  describe("the library deleting the stored session", () => {
    it("is ignored on CONFLICT: failed, replaced by another connection, session kept", async () => {
      w = await world();
      await linked(w);
      const client = w.fake.latest(REFERRER);
      expect(await storedProfilePhone(w)).toBe(PHONE);

      await client.conflict();
      await until(() => w.transport.getState(REFERRER).status === "failed", "failed");
      await w.transport.idle();
      expect(w.transport.getState(REFERRER)).toMatchObject({ status: "failed", phone: PHONE, reason: expect.stringMatching(/replaced by another connection/) });
      expect(await storedProfilePhone(w)).toBe(PHONE);
      expect(client.destroyed).toBe(true);
      await expect(w.transport.send(REFERRER, { to: REFERRAL, text: "x", media: [], language: "fr" }, { idempotencyKey: "k", targetId: "t", day: 1 })).rejects.toBeInstanceOf(TransportUnavailableError);
      // The lease went back with the client.
      expect(await w.storage.leases.get(`wwebjs-session:${REFERRER}`)).toBeNull();
      // Restoring on its own would take the session back from the other client, in turns.
      expect(await w.transport.ensureReady(REFERRER)).toMatchObject({ status: "failed" });
      expect(w.fake.clientsOf(REFERRER)).toHaveLength(1);
      expect(await w.transport.connect(REFERRER, { method: "qr" })).toMatchObject({ status: "connected", phone: PHONE });
    });

    it("is honoured on LOGOUT: logged_out, session gone, client destroyed", async () => {
      w = await world();
      await linked(w);
      const client = w.fake.latest(REFERRER);
      await client.logOutFromPhone();
      await until(() => w.transport.getState(REFERRER).status === "logged_out", "logged_out");
      await w.transport.idle();
      expect(await storedProfilePhone(w)).toBeNull();
      expect(await w.storage.sessions.exists(sessionIdOf(REFERRER))).toBe(false);
      expect(client.destroyed).toBe(true);
      expect(await w.transport.ensureReady(REFERRER)).toMatchObject({ status: "logged_out" });
      expect(w.fake.clientsOf(REFERRER)).toHaveLength(1);
    });

    it.each([WAState.UNPAIRED, WAState.UNPAIRED_IDLE])("treats %s as an unlink: logged_out, stored session deleted, not restored", async (state) => {
      w = await world();
      await linked(w);
      await w.fake.latest(REFERRER).closedBy(state);
      await until(() => w.transport.getState(REFERRER).status === "logged_out", "logged_out");
      await w.transport.idle();
      expect(await storedProfilePhone(w)).toBeNull();
      expect(await w.transport.ensureReady(REFERRER)).toMatchObject({ status: "logged_out" });
      expect(w.fake.clientsOf(REFERRER)).toHaveLength(1);
    });

    it("keeps the session on other reasons: disconnected with the reason, restored on demand", async () => {
      w = await world();
      await linked(w);
      await w.fake.latest(REFERRER).closedBy(WAState.PROXYBLOCK);
      await until(() => w.transport.getState(REFERRER).status === "disconnected", "disconnected");
      await w.transport.idle();
      expect(w.transport.getState(REFERRER)).toMatchObject({ phone: PHONE, reason: "WhatsApp Web closed the session (PROXYBLOCK)" });
      expect(await storedProfilePhone(w)).toBe(PHONE);
      expect(await w.transport.ensureReady(REFERRER)).toMatchObject({ status: "connected", phone: PHONE });
      expect(w.fake.clientsOf(REFERRER)).toHaveLength(2);
    });

    it("keeps the session of a blocked account but does not restore it on its own", async () => {
      w = await world();
      await linked(w);
      await w.fake.latest(REFERRER).closedBy(WAState.TOS_BLOCK);
      await until(() => w.transport.getState(REFERRER).status === "failed", "failed");
      await w.transport.idle();
      expect(await storedProfilePhone(w)).toBe(PHONE);
      expect(await w.transport.ensureReady(REFERRER)).toMatchObject({ status: "failed", reason: expect.stringMatching(/account banned.*TOS_BLOCK/) });
      expect(w.fake.clientsOf(REFERRER)).toHaveLength(1);
    });
  });

  describe("ensureReady", () => {
    it("restores a stored session without a QR, and never one the referrer closed", async () => {
      const clock = new ManualClock("2026-01-05T10:00:00Z");
      w = await world({ clock });
      await linked(w);
      // Closed by the pool (idle): restored on demand, from the encrypted archive.
      await w.transport.close();
      const next = w.otherProcess();
      expect(next.getState(REFERRER).status).toBe("disconnected");
      expect(await next.ensureReady(REFERRER)).toMatchObject({ status: "connected", phone: PHONE });
      const restored = w.fake.latest(REFERRER);
      expect(restored.restored).toBe(true);
      expect(w.fake.clientsOf(REFERRER)).toHaveLength(2);

      expect(await next.disconnect(REFERRER, { logout: false })).toMatchObject({ status: "disconnected", reason: "disconnected by the referrer" });
      expect(restored.destroyed).toBe(true);
      expect(await storedEntry(w, CLOSED_BY_REFERRER_KEY)).toBe(clock.now().toISOString());
      expect(await storedProfilePhone(w)).toBe(PHONE);

      const third = w.otherProcess();
      expect(await third.ensureReady(REFERRER)).toMatchObject({ status: "disconnected" });
      expect(await next.ensureReady(REFERRER)).toMatchObject({ status: "disconnected" });
      expect(w.fake.clientsOf(REFERRER)).toHaveLength(2);

      // Connecting again is the referrer's decision: the stored session comes back, the marker goes.
      expect(await next.connect(REFERRER, { method: "qr" })).toMatchObject({ status: "connected", phone: PHONE });
      await next.idle();
      expect((await w.storage.sessions.get(sessionIdOf(REFERRER), [CLOSED_BY_REFERRER_KEY]))[CLOSED_BY_REFERRER_KEY]).toBeUndefined();
    });

    it("rejects with SessionDrivenElsewhereError while another process holds the lease", async () => {
      w = await world();
      await linked(w);
      const second = w.otherProcess();
      await expect(second.ensureReady(REFERRER)).rejects.toBeInstanceOf(SessionDrivenElsewhereError);
      expect(w.fake.clientsOf(REFERRER)).toHaveLength(1);
      await expect(second.connect(REFERRER, { method: "qr" })).rejects.toBeInstanceOf(SessionDrivenElsewhereError);
    });

    it("reports logged_out when WhatsApp asks for a QR again, keeps the stored session, and does not retry on its own", async () => {
      w = await world();
      await linked(w);
      await w.transport.close();
      w.fake.revoked.add(PHONE.slice(1));
      const next = w.otherProcess();
      const events: TransportEvent[] = [];
      next.subscribe((event) => events.push(event));
      expect(await next.ensureReady(REFERRER)).toMatchObject({ status: "logged_out", reason: expect.stringMatching(/asked to link again/) });
      await next.idle();
      // Gap 15: a QR during a restore (RemoteAuth deletes nothing then; the old code did) keeps the session.
      expect(await storedProfilePhone(w)).toBe(PHONE);
      expect(w.fake.latest(REFERRER).destroyed).toBe(true);
      expect(events.some((e) => e.type === "link" && e.state.status === "pending_qr")).toBe(false);
      // No Chromium started again for a session WhatsApp refused, in this process or another.
      expect(await next.ensureReady(REFERRER)).toMatchObject({ status: "logged_out" });
      expect(await w.otherProcess().ensureReady(REFERRER)).toMatchObject({ status: "logged_out", reason: expect.stringMatching(/asked to link again/) });
      expect(w.fake.clientsOf(REFERRER)).toHaveLength(2);
      // Linking again is the way back: the refusal is forgotten once a client is ready.
      w.fake.revoked.clear();
      expect(await next.connect(REFERRER, { method: "qr" })).toMatchObject({ status: "connected", phone: PHONE });
      await next.idle();
      await next.close();
      expect(await w.otherProcess().ensureReady(REFERRER)).toMatchObject({ status: "connected" });
    });
  });

  describe("the pool", () => {
    it("destroys the least recently used client beyond maxSessions, keeping its session", async () => {
      w = await world({ maxSessions: 1, evictionGraceMs: 0 });
      await linked(w, "r1", "+33600000011");
      const first = w.fake.latest("r1");
      await linked(w, "r2", "+33600000022");
      expect(first.destroyed).toBe(true);
      expect(w.transport.getState("r1")).toMatchObject({ status: "disconnected", phone: "+33600000011" });
      expect(await w.storage.leases.get("wwebjs-session:r1")).toBeNull();
      expect(await storedProfilePhone(w, "r1")).toBe("+33600000011");
      // Evicted, not closed by the referrer: the next send brings it back (evicting r2).
      expect(await w.transport.ensureReady("r1")).toMatchObject({ status: "connected" });
      expect(w.fake.latest("r2").destroyed).toBe(true);
    });

    it("closes a client whose lease another process took once it expired", async () => {
      const clock = new ManualClock("2026-01-05T10:00:00Z");
      w = await world({ clock });
      await linked(w);
      const first = w.fake.latest(REFERRER);
      clock.advance(61_000);
      const second = w.otherProcess();
      expect(await second.ensureReady(REFERRER)).toMatchObject({ status: "connected", phone: PHONE });
      await w.transport.maintain();
      expect(first.destroyed).toBe(true);
      expect(w.transport.getState(REFERRER).status).toBe("disconnected");
      expect((await w.storage.leases.get(`wwebjs-session:${REFERRER}`))?.owner).toBe("process-2");
      expect(w.fake.latest(REFERRER).destroyed).toBe(false);
    });

    it("closes idle clients on maintenance", async () => {
      const clock = new ManualClock("2026-01-05T10:00:00Z");
      w = await world({ clock, idleTimeoutMs: 60_000 });
      await linked(w);
      clock.advance(61_000);
      await w.transport.maintain();
      expect(w.fake.latest(REFERRER).destroyed).toBe(true);
      expect(w.transport.getState(REFERRER).status).toBe("disconnected");
    });
  });

  describe("a client that cannot start", () => {
    it("fails with the library's reason and destroys the client", async () => {
      w = await world();
      w.fake.initialize = { kind: "reject", error: new Error("net::ERR_NAME_NOT_RESOLVED at https://web.whatsapp.com/") };
      const state = await w.transport.connect(REFERRER, { method: "qr" });
      expect(state).toMatchObject({ status: "failed", reason: "WhatsApp Web could not be reached from this server (net::ERR_NAME_NOT_RESOLVED at https://web.whatsapp.com/)" });
      expect(w.fake.latest(REFERRER).destroyCalls).toBe(1);
      expect(await w.storage.leases.get(`wwebjs-session:${REFERRER}`)).toBeNull();
      expect(w.events.filter((e) => e.type === "link").at(-1)).toMatchObject({ state: { status: "failed" } });
    });

    it("times out, destroys the client, and kills its browser when destroy hangs", async () => {
      w = await world({ initTimeoutMs: 50 });
      w.fake.initialize = { kind: "hang" };
      w.fake.destroyBehaviour = "hang";
      w.fake.withBrowserProcess = true;
      const state = await w.transport.connect(REFERRER, { method: "qr" });
      expect(state).toMatchObject({ status: "failed", reason: expect.stringMatching(/no QR code, pairing code or session within 50 ms/) });
      const client = w.fake.latest(REFERRER);
      expect(client.destroyCalls).toBe(1);
      expect(client.browserProcess.signals).toEqual(["SIGKILL"]);
    });

    it("kills the browser when destroy throws", async () => {
      w = await world();
      w.fake.initialize = { kind: "reject", error: "auth timeout" };
      w.fake.destroyBehaviour = "throw";
      w.fake.withBrowserProcess = true;
      expect(await w.transport.connect(REFERRER, { method: "qr" })).toMatchObject({ status: "failed", reason: "WhatsApp Web could not be started: auth timeout" });
      expect(w.fake.latest(REFERRER).browserProcess.signals).toEqual(["SIGKILL"]);
    });
  });

  describe("messages", () => {
    it("links by pairing code for the given number", async () => {
      w = await world();
      expect(await w.transport.connect(REFERRER, { method: "pairing_code", phone: PHONE })).toMatchObject({ status: "pending_pairing", phone: PHONE, pairingCode: "K7PQ2XWM" });
      expect(w.fake.latest(REFERRER).setup.pairWithPhoneNumber).toEqual({ phoneNumber: "33600000001" });
      // A pairing code without its number is no `LinkRequest`: the core refuses it (use-cases/connect.ts), not each transport.
    });

    it("resolves LID senders, ignores own messages and groups, and reports failed acks", async () => {
      w = await world();
      await linked(w);
      const client = w.fake.latest(REFERRER);
      w.fake.lids.set("123456789012345@lid", "33622222222@c.us");
      client.receive("123456789012345@lid", "Merci");
      client.receive("120363000000000000@g.us", "group chatter");
      client.receive("999999999999999@lid", "unknown lid");
      await w.transport.idle();
      expect(w.events.filter((e) => e.type === "inbound")).toEqual([expect.objectContaining({ from: "+33622222222", text: "Merci" })]);

      const { messageId } = await w.transport.send(REFERRER, { to: REFERRAL, text: "Bonjour", media: [], language: "fr" }, { idempotencyKey: "k", targetId: "t", day: 1 });
      expect(messageId).toMatch(/^true_33611111111@c\.us_3EB0/);
      client.acknowledge(messageId, MessageAck.ACK_SERVER);
      client.acknowledge(messageId, MessageAck.ACK_ERROR);
      expect(w.events.filter((e) => e.type === "receipt")).toEqual([expect.objectContaining({ messageId, status: "failed" })]);

      await w.transport.sendPresence(REFERRER, "available");
      await w.transport.sendPresence(REFERRER, "composing", REFERRAL);
      await w.transport.sendPresence(REFERRER, "paused", REFERRAL);
      await w.transport.sendPresence(REFERRER, "unavailable");
      expect(w.fake.typing).toEqual([{ referrerUserId: REFERRER, chatId: "33611111111@c.us" }]);
      expect(w.fake.presence).toEqual([
        { referrerUserId: REFERRER, state: "available" },
        { referrerUserId: REFERRER, state: "paused", chatId: "33611111111@c.us" },
        { referrerUserId: REFERRER, state: "unavailable" },
      ]);
    });

    it("does not send the text when a media cannot be downloaded", async () => {
      w = await world({
        loadMedia: async () => {
          throw new Error("media download failed: HTTP 404");
        },
      });
      await linked(w);
      const media: MediaItem[] = [{ url: "https://cdn.example.com/missing.jpg", type: "image", language: "fr" }];
      const error = await w.transport.send(REFERRER, { to: REFERRAL, text: "Bonjour", media, language: "fr" }, { idempotencyKey: "k", targetId: "t", day: 1 }).catch((e: unknown) => e);
      expect(error).not.toBeInstanceOf(TransportUnavailableError);
      expect((error as Error).message).toBe("[wwebjs] media for +33611111111 could not be downloaded: media download failed: HTTP 404");
      expect(w.fake.sends).toHaveLength(0);
    });
  });

  describe("guarded RemoteAuth", () => {
    it("leaves no timer behind when destroyed before its first backup", async () => {
      w = await world();
      vi.useFakeTimers();
      const store = createRemoteAuthStore({
        sessions: w.storage.sessions,
        cipher: createSessionCipher({ secrets: [SECRET] }),
        sessionId: "wwebjs:g",
        sessionName: "RemoteAuth-g",
        dataPath: w.dataPath,
      });
      const auth = createGuardedRemoteAuth({ store, clientId: "g", dataPath: w.dataPath, backupSyncIntervalMs: 60_000 });
      const ready = auth.afterAuthReady();
      await vi.advanceTimersByTimeAsync(1_000);
      expect(vi.getTimerCount()).toBe(1);
      await auth.destroy();
      await ready;
      expect(vi.getTimerCount()).toBe(0);
      await vi.advanceTimersByTimeAsync(INITIAL_BACKUP_DELAY_MS * 3);
      expect(await w.storage.sessions.exists("wwebjs:g")).toBe(false);
    });
  });
});
