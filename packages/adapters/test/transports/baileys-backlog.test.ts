import { describe, expect, it, vi } from "vitest";
import { DisconnectReason, makeEventBuffer, type WAMessage } from "@whiskeysockets/baileys";
import { silentLogger, type Logger } from "@relance/core";
import type { StorageBackend } from "../../src/ports/index.js";
import { ManualClock } from "../../src/index.js";
import { toBaileysLogger } from "../../src/transports/baileys/logger.js";
import { DEFAULT_OFFLINE_DRAIN_MS, DEFAULT_OFFLINE_QUIET_MS, DEFAULT_READY_TIMEOUT_MS } from "../../src/transports/baileys/transport-options.js";
import { FakeWhatsApp } from "../../src/testing/fake-baileys-socket.js";
import { REFERRER, linked, memoryStorage, setup, until, type Setup } from "./support/baileys-harness.js";

// The offline backlog on the library's own terms (the fake models lib/Utils/offline-node-processor.js,
// the receipt sent before the upsert, the buffered upsert and the buffer destroyed on close; see
// src/testing/fake-baileys-socket.ts). Regression tests of ../shared/whatsapp-real-phone-gaps-2.md B1
// and B2 (reproductions P1 and P2): each failed before the fix.

const offline = (id: string, text: string, digits = "33611111111"): WAMessage => ({ key: { remoteJid: `${digits}@s.whatsapp.net`, fromMe: false, id }, message: { conversation: text }, messageTimestamp: 1 });
const inboundOf = (events: Setup["events"]) => events.flatMap((e) => (e.type === "inbound" ? [[e.from, e.text]] : []));
const beforeConnected = (s: Setup) => {
  const connected = s.events.findIndex((e) => e.type === "link" && e.state.status === "connected");
  expect(connected).toBeGreaterThanOrEqual(0);
  return inboundOf(s.events.slice(0, connected));
};

/** Linked, then the process stops: the next transport restores the session from storage. */
async function restorable(): Promise<{ storage: StorageBackend; world: FakeWhatsApp; clock: ManualClock }> {
  const storage = await memoryStorage();
  const clock = new ManualClock("2026-01-05T10:00:00Z", { autoAdvance: false });
  const world = new FakeWhatsApp({ now: () => clock.now() });
  const first = await setup({ storage, world, clock });
  await linked(first);
  await first.transport.close();
  return { storage, world, clock };
}

function recordingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  const logger = { warnings, debug: () => {}, info: () => {}, warn: (_: unknown, msg?: string) => void warnings.push(msg ?? ""), error: () => {}, child: () => logger };
  return logger as unknown as Logger & { warnings: string[] };
}

describe("baileys backlog: ready means read (B1)", () => {
  it("P2: offline messages Baileys is still decrypting when the server ends the backlog are read before connected", async () => {
    const { storage, world, clock } = await restorable();
    // Each offline node costs 30 ms of key-store I/O: both are still queued when `ib offline` arrives.
    world.offlineNodeDelayMs = 30;
    world.sendWhileOffline(REFERRER, offline("OFF-1", "bonjour", "33622222222"));
    world.sendWhileOffline(REFERRER, offline("OFF-STOP", "STOP"));
    const s = await setup({ storage, world, clock, offlineQuietMs: 300 });
    expect(await s.transport.ensureReady(REFERRER)).toMatchObject({ status: "connected" });
    expect(beforeConnected(s)).toEqual([
      ["+33622222222", "bonjour"],
      ["+33611111111", "STOP"],
    ]);
    expect(world.current(REFERRER).offlineQueueLength).toBe(0);
  });

  it("a server that never ends the backlog: the fallback flushes Baileys' buffer first, so the STOP it holds comes before connected", async () => {
    const { storage, world, clock } = await restorable();
    world.neverEndsOfflineBacklog = true;
    world.sendWhileOffline(REFERRER, offline("OFF-STOP", "STOP"));
    const logger = recordingLogger();
    const s = await setup({ storage, world, clock, offlineDrainTimeoutMs: 50, logger });
    expect(await s.transport.ensureReady(REFERRER)).toMatchObject({ status: "connected" });
    expect(beforeConnected(s)).toEqual([["+33611111111", "STOP"]]);
    expect(logger.warnings.some((w) => /offline backlog/.test(w))).toBe(true);
  });

  it("the drain fallback outlasts Baileys' own 30 s initial-buffer timer (lib/Utils/event-buffer.js:34, 49-54), and ensureReady outlasts the fallback", () => {
    vi.useFakeTimers();
    try {
      const ev = makeEventBuffer(toBaileysLogger(silentLogger, "silent"));
      const seen: unknown[] = [];
      ev.on("messages.upsert", (upsert) => seen.push(upsert));
      ev.buffer();
      ev.emit("messages.upsert", { messages: [offline("X", "STOP")], type: "append" });
      vi.advanceTimersByTime(29_999);
      expect(seen).toHaveLength(0);
      vi.advanceTimersByTime(1);
      expect(seen).toHaveLength(1); // the library's timer: 30 s
      ev.destroy();
    } finally {
      vi.useRealTimers();
    }
    expect(DEFAULT_OFFLINE_DRAIN_MS).toBeGreaterThanOrEqual(35_000);
    // The fallback, one quiet period and the restriction check (5 s) fit in ensureReady's wait.
    expect(DEFAULT_READY_TIMEOUT_MS).toBeGreaterThan(DEFAULT_OFFLINE_DRAIN_MS + DEFAULT_OFFLINE_QUIET_MS + 5_000);
  });

  it("a reply surfaced during the restriction check is handed over before connected (the inbox settles again)", async () => {
    const { storage, world, clock } = await restorable();
    // Its sender is a LID only Baileys' LID store knows, and that lookup takes key-store I/O.
    world.lidLookupDelayMs = 30;
    world.lidStore.set("201111111111111@lid", "33611111111@s.whatsapp.net");
    let sent = false;
    world.duringRestrictionCheck = (socket) => {
      if (sent) return;
      sent = true;
      socket.receiveFromLid("201111111111111@lid", "STOP");
    };
    const s = await setup({ storage, world, clock });
    expect(await s.transport.ensureReady(REFERRER)).toMatchObject({ status: "connected" });
    expect(sent).toBe(true);
    expect(beforeConnected(s)).toEqual([["+33611111111", "STOP"]]);
  });
});

describe("baileys backlog: shorter (B1, fix 3)", () => {
  it("status updates, broadcast lists and newsletters are acked and dropped before decryption; people, LIDs, hosted accounts and groups are not", async () => {
    const s = await setup();
    await linked(s);
    const ignore = s.world.current(REFERRER).config.shouldIgnoreJid!;
    expect(["status@broadcast", "1234567890@broadcast", "120363000000000001@newsletter"].map(ignore)).toEqual([true, true, true]);
    expect(["33611111111@s.whatsapp.net", "201234567890123@lid", "33611111111:99@hosted", "201234567890123:99@hosted.lid", "120363000000000000@g.us"].map(ignore)).toEqual([false, false, false, false, false]);
  });

  it("a night of status posts does not stand between `connected` and the STOP behind them", async () => {
    const { storage, world, clock } = await restorable();
    world.offlineNodeDelayMs = 30;
    for (let i = 0; i < 20; i++) world.sendWhileOffline(REFERRER, { ...offline(`STATUS-${i}`, "ma story"), key: { remoteJid: "status@broadcast", participant: "33699999999@s.whatsapp.net", fromMe: false, id: `STATUS-${i}` } });
    world.sendWhileOffline(REFERRER, offline("OFF-STOP", "STOP"));
    const s = await setup({ storage, world, clock, offlineQuietMs: 300 });
    expect(await s.transport.ensureReady(REFERRER)).toMatchObject({ status: "connected" });
    expect(beforeConnected(s)).toEqual([["+33611111111", "STOP"]]);
    expect(world.current(REFERRER).decrypted).toEqual(["OFF-STOP"]);
    expect(world.pendingOffline(REFERRER)).toEqual([]);
  });
});

describe("baileys backlog: flushed on every close (B2)", () => {
  /** A restore whose offline STOP Baileys acked and holds in its buffer, the server's `ib offline` not there yet. */
  async function heldBacklog() {
    const { storage, world, clock } = await restorable();
    world.holdOfflineBacklog = true;
    world.sendWhileOffline(REFERRER, offline("OFF-STOP", "STOP"));
    const s = await setup({ storage, world, clock });
    void s.transport.ensureReady(REFERRER);
    // The delivery receipt left before the upsert: the server will not send it again.
    await until(() => world.acked.some((a) => a.id === "OFF-STOP"), "offline STOP acked");
    expect(world.pendingOffline(REFERRER)).toEqual([]);
    expect(inboundOf(s.events)).toEqual([]);
    return { s, world, clock };
  }

  it("P1: a network drop before the end of the backlog: the acked STOP is handed over, not destroyed with the buffer", async () => {
    const { s, world, clock } = await heldBacklog();
    world.holdOfflineBacklog = false;
    await world.current(REFERRER).closeWith(DisconnectReason.connectionLost);
    clock.advance(5_000);
    await until(() => s.transport.getState(REFERRER).status === "connected", "reconnected");
    expect(inboundOf(s.events)).toEqual([["+33611111111", "STOP"]]);
  });

  it("our own close (shutdown, eviction, idle) hands the buffered backlog over before it resolves", async () => {
    const { s } = await heldBacklog();
    await s.transport.close();
    expect(inboundOf(s.events)).toEqual([["+33611111111", "STOP"]]);
  });

  it("an offline message the socket had not acknowledged when it closed comes again at the next login, once", async () => {
    const { storage, world, clock } = await restorable();
    world.offlineNodeDelayMs = 40;
    world.sendWhileOffline(REFERRER, offline("OFF-1", "bonjour", "33622222222"));
    world.sendWhileOffline(REFERRER, offline("OFF-STOP", "STOP"));
    const s = await setup({ storage, world, clock, offlineQuietMs: 300 });
    void s.transport.ensureReady(REFERRER);
    await until(() => world.acked.length === 1, "first offline message acked");
    await world.current(REFERRER).closeWith(DisconnectReason.connectionLost);
    world.offlineNodeDelayMs = 0;
    clock.advance(5_000);
    await until(() => s.transport.getState(REFERRER).status === "connected", "reconnected");
    expect(inboundOf(s.events)).toEqual([
      ["+33622222222", "bonjour"],
      ["+33611111111", "STOP"],
    ]);
    expect(world.acked.map((a) => a.id)).toEqual(["OFF-1", "OFF-STOP"]);
  });
});
