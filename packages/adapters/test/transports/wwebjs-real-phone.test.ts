import { afterEach, describe, expect, it } from "vitest";
import { TransportUnavailableError, type E164, type Logger, type TransportEvent } from "@relance/core";
import { ManualClock } from "../../src/index.js";
import { MessageAck } from "../../src/transports/wwebjs/library.js";
import { CANONICAL_KEY, PENDING_KEY, WATERMARK_KEY } from "../../src/transports/wwebjs/session-book.js";
import { sessionIdOf } from "../../src/transports/wwebjs/session-ids.js";
import type { WwebjsTransport } from "../../src/transports/wwebjs/transport.js";
import { PHONE, REFERRAL, REFERRER, linked, until, world, type World } from "./support/wwebjs-world.js";

/**
 * What a live WhatsApp account does to the whatsapp-web.js transport
 * (`../shared/whatsapp-real-phone-gaps.md`, items 1, 4, 9, 13 and 15), on fake clients that keep
 * chats the way the phone does and answer with the library's own shapes.
 */
describe("wwebjs on a real phone", () => {
  let w: World;
  afterEach(async () => {
    await w?.close();
  });

  const inbound = (events: TransportEvent[]) =>
    events.filter((e): e is Extract<TransportEvent, { type: "inbound" }> => e.type === "inbound").map((e) => ({ from: e.from, text: e.text }));
  const stored = async (key: string) => (await w.storage.sessions.get(sessionIdOf(REFERRER), [key]))[key];
  const send = (transport: WwebjsTransport, to: E164, text = "Bonjour") => transport.send(REFERRER, { to, text, media: [], language: "fr" }, { idempotencyKey: `k-${to}`, targetId: "t", day: 1 });

  function capturingLogger(): Logger & { lines: Array<{ level: string; fields: Record<string, unknown>; message: string }> } {
    const lines: Array<{ level: string; fields: Record<string, unknown>; message: string }> = [];
    const at = (level: string) => (fields: Record<string, unknown>, message: string) => void lines.push({ level, fields, message });
    return { lines, debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
  }

  describe("gap 1: replies that arrive while Chromium is closed", () => {
    it("are read on ready, before connected, from unread chats and the chats of active targets, without marking anything read", async () => {
      const clock = new ManualClock("2026-01-05T10:00:00Z");
      const TARGET_READ: E164 = "+33633333333";
      w = await world({ clock, activeContacts: async () => [REFERRAL, TARGET_READ] });
      await linked(w);
      w.fake.latest(REFERRER).receive("33699999999@c.us", "salut");
      await w.transport.idle();
      await w.transport.close(); // idle-closed, say: no client runs from here on

      clock.advance(3_600_000);
      w.fake.receiveWhileOffline(PHONE, "33611111111@c.us", "STOP");
      // The referrer read this one on the phone: no longer unread, but a target's chat.
      w.fake.receiveWhileOffline(PHONE, `${TARGET_READ.slice(1)}@c.us`, "stop svp");
      w.fake.readOnPhone(PHONE, `${TARGET_READ.slice(1)}@c.us`);
      // Read, and nobody the loop writes to: not this service's business.
      w.fake.receiveWhileOffline(PHONE, "33644444444@c.us", "STOP");
      w.fake.readOnPhone(PHONE, "33644444444@c.us");
      w.fake.receiveWhileOffline(PHONE, "120363000000000000@g.us", "STOP (in a group)");

      const next = w.otherProcess();
      const events: TransportEvent[] = [];
      next.subscribe((event) => events.push(event));
      expect(await next.ensureReady(REFERRER)).toMatchObject({ status: "connected", phone: PHONE });

      expect(inbound(events)).toEqual([
        { from: "+33611111111", text: "STOP" },
        { from: TARGET_READ, text: "stop svp" },
      ]);
      // Both before the session was reported connected: dispatch reads the opt-outs first.
      const connectedAt = events.findIndex((e) => e.type === "link" && e.state.status === "connected");
      expect(events.findIndex((e) => e.type === "inbound")).toBeLessThan(connectedAt);
      expect(events.filter((e) => e.type === "inbound").every((e) => e.at.getTime() === clock.now().getTime())).toBe(true);
      // Nothing marked read on the referrer's phone.
      expect(w.fake.markedRead).toEqual([]);
      expect(w.fake.chatOf(PHONE, "33611111111@c.us").unreadCount).toBe(1);

      // The watermark is stored (encrypted): the next restore emits nothing twice...
      expect(await stored(WATERMARK_KEY)).toMatch(/^v1\./);
      await next.close();
      const third = w.otherProcess();
      const again: TransportEvent[] = [];
      third.subscribe((event) => again.push(event));
      w.fake.receiveWhileOffline(PHONE, "33611111111@c.us", "vraiment, STOP");
      expect(await third.ensureReady(REFERRER)).toMatchObject({ status: "connected" });
      // ...but what came after it, even within the same second as the last one seen.
      expect(inbound(again)).toEqual([{ from: "+33611111111", text: "vraiment, STOP" }]);
      w.fake.latest(REFERRER).receive("33611111111@c.us", "live");
      await third.idle();
      expect(inbound(again).at(-1)).toEqual({ from: "+33611111111", text: "live" });
    });

    it("reads back the first lookback on a session that has no watermark yet, and nothing on a new link", async () => {
      const clock = new ManualClock("2026-01-05T10:00:00Z");
      w = await world({ clock, catchUpFirstLookbackMs: 24 * 3_600_000 });
      // Before the link: history the phone brings along, not replies to this service.
      w.fake.receiveWhileOffline(PHONE, "33611111111@c.us", "STOP (last week)");
      await linked(w);
      expect(inbound(w.events)).toEqual([]);

      // A session stored before watermarks existed: what the last day brought is read.
      await w.storage.sessions.set(sessionIdOf(REFERRER), { [WATERMARK_KEY]: null });
      await w.transport.close();
      clock.advance(2 * 24 * 3_600_000);
      w.fake.receiveWhileOffline(PHONE, "33622222222@c.us", "STOP");
      const next = w.otherProcess();
      const events: TransportEvent[] = [];
      next.subscribe((event) => events.push(event));
      expect(await next.ensureReady(REFERRER)).toMatchObject({ status: "connected" });
      expect(inbound(events)).toEqual([{ from: "+33622222222", text: "STOP" }]);
    });

    it("leaves a message not decrypted yet for the next start, without skipping it", async () => {
      const clock = new ManualClock("2026-01-05T10:00:00Z");
      w = await world({ clock });
      await linked(w);
      await w.transport.close();
      clock.advance(60_000);
      const sealed = w.fake.receiveWhileOffline(PHONE, "33611111111@c.us", "STOP", { undecrypted: true });
      clock.advance(1_000);
      w.fake.receiveWhileOffline(PHONE, "33622222222@c.us", "stop");
      const next = w.otherProcess();
      const events: TransportEvent[] = [];
      next.subscribe((event) => events.push(event));
      await next.ensureReady(REFERRER);
      expect(inbound(events)).toEqual([{ from: "+33622222222", text: "stop" }]);
      await next.close();

      w.fake.decrypt(sealed);
      const third = w.otherProcess();
      const again: TransportEvent[] = [];
      third.subscribe((event) => again.push(event));
      await third.ensureReady(REFERRER);
      // Read again from before the sealed one; the one already handed over is not emitted twice.
      expect(inbound(again)).toEqual([{ from: "+33611111111", text: "STOP" }]);
    });

    it("keeps a sealed STOP readable when live messages arrive after the catch-up (reproduction P4)", async () => {
      const clock = new ManualClock("2026-01-05T10:00:00Z");
      w = await world({ clock });
      await linked(w);
      await w.transport.close();
      clock.advance(60_000);
      const sealed = w.fake.receiveWhileOffline(PHONE, "33611111111@c.us", "STOP", { undecrypted: true });
      const next = w.otherProcess();
      const events: TransportEvent[] = [];
      next.subscribe((event) => events.push(event));
      await next.ensureReady(REFERRER);
      clock.advance(60_000);
      w.fake.latest(REFERRER).receive("33699999999@c.us", "bonjour"); // any live message, from anyone
      await next.idle();
      expect(inbound(events)).toEqual([{ from: "+33699999999", text: "bonjour" }]);
      await next.close();

      w.fake.decrypt(sealed);
      const third = w.otherProcess();
      const again: TransportEvent[] = [];
      third.subscribe((event) => again.push(event));
      await third.ensureReady(REFERRER);
      // The STOP is read; the live message already handed over is not emitted a second time.
      expect(inbound(again)).toEqual([{ from: "+33611111111", text: "STOP" }]);
    });

    it("emits a live ciphertext once WhatsApp Web decrypts it, and only once", async () => {
      w = await world();
      await linked(w);
      const client = w.fake.latest(REFERRER);
      const sealed = client.receiveSealed("33611111111@c.us", "STOP");
      await w.transport.idle();
      expect(inbound(w.events)).toEqual([]);
      client.decryptLive(sealed);
      await w.transport.idle();
      await w.transport.close();
      const next = w.otherProcess();
      const again: TransportEvent[] = [];
      next.subscribe((event) => again.push(event));
      await next.ensureReady(REFERRER);
      expect(inbound(w.events)).toEqual([{ from: "+33611111111", text: "STOP" }]);
      expect(inbound(again)).toEqual([]);
    });

    it("catches up again when WhatsApp Web re-injects (a second ready), before it is connected again", async () => {
      const clock = new ManualClock("2026-01-05T10:00:00Z");
      w = await world({ clock });
      await linked(w);
      const client = w.fake.latest(REFERRER);
      clock.advance(60_000);
      // Reached the phone during the navigation: synced, never emitted.
      w.fake.receiveWhileOffline(PHONE, "33611111111@c.us", "STOP");
      client.reinject();
      await until(() => inbound(w.events).length === 1, "caught up after the second ready");
      await w.transport.idle();
      expect(inbound(w.events)).toEqual([{ from: "+33611111111", text: "STOP" }]);
      expect(w.transport.getState(REFERRER).status).toBe("connected");
    });

    it("catches up when WhatsApp Web comes back from TIMEOUT, and reports connected only after", async () => {
      const clock = new ManualClock("2026-01-05T10:00:00Z");
      w = await world({ clock });
      await linked(w);
      const client = w.fake.latest(REFERRER);
      client.loseConnection();
      expect(w.transport.getState(REFERRER).status).toBe("connecting");
      clock.advance(60_000);
      w.fake.receiveWhileOffline(PHONE, "33611111111@c.us", "STOP");
      const states: string[] = [];
      w.transport.subscribe((event) => {
        if (event.type === "inbound") states.push(`inbound while ${w.transport.getState(REFERRER).status}`);
      });
      client.resume();
      await until(() => w.transport.getState(REFERRER).status === "connected", "connected again");
      await w.transport.idle();
      expect(inbound(w.events)).toEqual([{ from: "+33611111111", text: "STOP" }]);
      expect(states).toEqual(["inbound while connecting"]);
    });

    it("stays connecting while it catches up, whatever WhatsApp Web's connection state says", async () => {
      w = await world();
      await linked(w);
      await w.transport.close();
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const next = w.otherProcess({ activeContacts: async () => (await gate, [REFERRAL]) });
      const ready = next.ensureReady(REFERRER);
      await until(() => w.fake.clientsOf(REFERRER).length === 2 && w.fake.latest(REFERRER).linkedDigits !== null, "restored client");
      w.fake.latest(REFERRER).emit("change_state", "CONNECTED");
      expect(next.getState(REFERRER).status).toBe("connecting");
      await expect(send(next, REFERRAL)).rejects.toBeInstanceOf(TransportUnavailableError);
      release();
      expect(await ready).toMatchObject({ status: "connected" });
    });

    it("does not report connected when the catch-up fails: the session is closed and retried on the next send", async () => {
      w = await world();
      await linked(w);
      await w.transport.close();
      const next = w.otherProcess({
        activeContacts: async () => {
          throw new Error("storage unavailable");
        },
      });
      expect(await next.ensureReady(REFERRER)).toMatchObject({ status: "disconnected", reason: expect.stringMatching(/could not read the messages received while the session was closed \(storage unavailable\)/) });
      expect(w.fake.latest(REFERRER).destroyed).toBe(true);
      await expect(send(next, REFERRAL)).rejects.toBeInstanceOf(TransportUnavailableError);
    });
  });

  describe("gap 4: a LID reply whose number is not known", () => {
    it("is kept encrypted with a warning (no number, no text), then emitted once the number check or a later lookup maps it", async () => {
      const logger = capturingLogger();
      w = await world({ logger });
      await linked(w);
      const client = w.fake.latest(REFERRER);
      client.receive("111111111111111@lid", "STOP");
      client.receive("222222222222222@lid", "Arrêtez");
      await w.transport.idle();
      expect(inbound(w.events)).toEqual([]);
      const pending = await stored(PENDING_KEY);
      expect(pending).toMatch(/^v1\./);
      expect(pending).not.toContain("STOP");
      const warnings = logger.lines.filter((l) => l.level === "warn" && /LID with no known phone number/.test(l.message));
      expect(warnings).toHaveLength(2);
      expect(JSON.stringify(logger.lines)).not.toMatch(/STOP|Arrêtez|@lid/);

      // The number check of a target makes WhatsApp tell its LID (Client.js:2224, Utils.js:1694).
      w.fake.lids.set("111111111111111@lid", "33655555555@c.us");
      expect(await w.transport.isOnWhatsApp(REFERRER, "+33655555555")).toBe(true);
      await w.transport.idle();
      expect(inbound(w.events)).toEqual([{ from: "+33655555555", text: "STOP" }]);

      // A new message from a LID WhatsApp has just mapped brings the older one waiting first.
      w.fake.lids.set("333333333333333@lid", "33677777777@c.us");
      client.receive("333333333333333@lid", "first");
      await w.transport.idle();
      w.fake.lids.delete("333333333333333@lid");
      client.receive("333333333333333@lid", "second");
      await w.transport.idle();
      expect(inbound(w.events).slice(1)).toEqual([{ from: "+33677777777", text: "first" }]);
      w.fake.lids.set("333333333333333@lid", "33677777777@c.us");
      client.receive("333333333333333@lid", "third");
      await w.transport.idle();
      expect(inbound(w.events).slice(1)).toEqual([
        { from: "+33677777777", text: "first" },
        { from: "+33677777777", text: "second" },
        { from: "+33677777777", text: "third" },
      ]);

      // The other one is matched on the next start, once WhatsApp knows it.
      await w.transport.close();
      w.fake.lids.set("222222222222222@lid", "33666666666@c.us");
      const next = w.otherProcess();
      const events: TransportEvent[] = [];
      next.subscribe((event) => events.push(event));
      await next.ensureReady(REFERRER);
      await next.idle();
      expect(inbound(events)).toEqual([{ from: "+33666666666", text: "Arrêtez" }]);
      expect(await stored(PENDING_KEY)).toBeUndefined();
    });
  });

  describe("gap 13: the id WhatsApp knows a number by", () => {
    it("is kept from the number check and used to send and to match replies, across restarts", async () => {
      const BRAZIL: E164 = "+5511987654321";
      w = await world();
      await linked(w);
      w.fake.canonical.set("5511987654321", "551187654321");
      expect(await w.transport.isOnWhatsApp(REFERRER, BRAZIL)).toBe(true);
      await w.transport.idle();
      expect(await stored(CANONICAL_KEY)).toMatch(/^v1\./);
      expect(await stored(CANONICAL_KEY)).not.toContain("551187654321");

      await w.transport.close();
      const next = w.otherProcess();
      const events: TransportEvent[] = [];
      next.subscribe((event) => events.push(event));
      await next.ensureReady(REFERRER);
      await send(next, BRAZIL);
      expect(w.fake.sends.at(-1)).toMatchObject({ chatId: "551187654321@c.us" });
      await next.sendPresence(REFERRER, "composing", BRAZIL);
      expect(w.fake.typing.at(-1)).toMatchObject({ chatId: "551187654321@c.us" });

      w.fake.latest(REFERRER).receive("551187654321@c.us", "STOP");
      await next.idle();
      expect(inbound(events)).toContainEqual({ from: BRAZIL, text: "STOP" });
    });
  });

  describe("gap 9: one Chromium each", () => {
    it("never opens more clients than maxSessions, reports it as a capability, and refuses with TransportUnavailableError", async () => {
      w = await world({ maxSessions: 2, evictionGraceMs: 120_000 });
      expect(w.transport.capabilities.maxSessions).toBe(2);
      await linked(w, "r1", "+33600000011");
      await linked(w, "r2", "+33600000022");
      await expect(w.transport.connect("r3", { method: "qr" })).rejects.toBeInstanceOf(TransportUnavailableError);
      expect(w.fake.clientsOf("r3")).toHaveLength(0);
      expect(w.fake.clients.filter((c) => !c.destroyed)).toHaveLength(2);
      expect(await w.storage.leases.get("wwebjs-session:r3")).toBeNull();
    });
  });

  describe("W3: sent means sent", () => {
    it("waits until WhatsApp Web reports the text left, with link previews off", async () => {
      w = await world();
      await linked(w);
      const result = await send(w.transport, REFERRAL, "Payez ici https://pay.example.com/x");
      expect(result.partialFailure).toBeUndefined();
      expect(w.fake.sends.at(-1)?.options).toMatchObject({ sendSeen: false, linkPreview: false, waitUntilMsgSent: true });
    });

    it("reports the outcome unknown (not resent) when the text does not leave within the send timeout", async () => {
      w = await world({ sendTimeoutMs: 50 });
      await linked(w);
      w.fake.silentlyOffline = true;
      const result = await send(w.transport, REFERRAL);
      expect(result).toMatchObject({ messageId: "unknown:k-" + REFERRAL, partialFailure: expect.stringMatching(/did not report the text .* as sent within 50 ms: outcome unknown, not resent/) });
      expect(w.fake.sends).toHaveLength(1);
    });
  });

  describe("gap 15: smaller whatsapp-web.js issues", () => {
    it("a sendMessage that resolves undefined is a clear failed attempt, nothing counted as sent", async () => {
      w = await world();
      await linked(w);
      w.fake.unreachableChats.add("33611111111@c.us");
      const error = await send(w.transport, REFERRAL).catch((e: unknown) => e);
      expect(error).not.toBeInstanceOf(TransportUnavailableError);
      expect((error as Error).message).toBe("[wwebjs] send to +33611111111 failed: WhatsApp Web did not send the message (no chat could be opened for +33611111111)");
      expect(w.fake.sends).toHaveLength(0);
    });

    it("a torn backup is survived: restoring falls back to the previous generation, which becomes the newest again", async () => {
      w = await world();
      await linked(w);
      const client = w.fake.latest(REFERRER);
      await client.backUp(); // a good periodic backup
      w.fake.tornBackups = true;
      await client.backUp(); // the next one copied a profile mid-write
      await w.transport.close();

      const next = w.otherProcess();
      const events: TransportEvent[] = [];
      next.subscribe((event) => events.push(event));
      expect(await next.ensureReady(REFERRER)).toMatchObject({ status: "connected", phone: PHONE });
      expect(events.some((e) => e.type === "link" && e.state.status === "logged_out")).toBe(false);
      expect(w.fake.clientsOf(REFERRER)).toHaveLength(3);
      await next.close();
      // The torn one is gone: the next restore works at once.
      expect(await w.otherProcess().ensureReady(REFERRER)).toMatchObject({ status: "connected" });
      expect(w.fake.clientsOf(REFERRER)).toHaveLength(4);
    });

    it("acks keep their meaning with the new inbox", async () => {
      w = await world();
      await linked(w);
      const { messageId } = await send(w.transport, REFERRAL);
      w.fake.latest(REFERRER).acknowledge(messageId, MessageAck.ACK_READ);
      expect(w.events.filter((e) => e.type === "receipt")).toEqual([expect.objectContaining({ messageId, status: "read" })]);
    });
  });
});
