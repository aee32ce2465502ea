import { afterEach, describe, expect, it } from "vitest";
import type { LinkState, TransportEvent } from "@relance/core";
import { ManualClock } from "../../src/index.js";
import { REFERRER as B_REFERRER, linked as baileysLinked, setup, until as baileysUntil } from "./support/baileys-harness.js";
import { PHONE, REFERRER, until, world, type World } from "./support/wwebjs-world.js";

// What happens to the referrer's state when the session pool closes a session on its own (idle,
// evicted, lease taken by another process): one rule for both drivers (session/pool-closed.ts).
// A QR or pairing code shown to the referrer dies with the session, so they are told; a linked
// session closes quietly and comes back on the next send.

const linkStatesOf = (events: TransportEvent[], referrerUserId: string): LinkState[] =>
  events.flatMap((e) => (e.type === "link" && e.referrerUserId === referrerUserId ? [e.state] : []));

describe("baileys: the pool closing a session", () => {
  it("a QR nobody scanned, closed after inactivity: the referrer is told the link expired", async () => {
    const s = await setup({ maintenanceIntervalMs: 5, idleTimeoutMs: 60_000 });
    expect((await s.transport.connect(B_REFERRER, { method: "qr" })).status).toBe("pending_qr");
    s.clock.advance(61_000);
    await baileysUntil(() => s.world.current(B_REFERRER).isClosed, "closed by the pool");
    await baileysUntil(() => linkStatesOf(s.events, B_REFERRER).at(-1)?.status === "disconnected", "link event");
    expect(linkStatesOf(s.events, B_REFERRER).at(-1)).toMatchObject({ status: "disconnected", phone: null, reason: expect.stringMatching(/linking expired/) });
    expect(s.transport.getState(B_REFERRER)).toMatchObject({ status: "disconnected", reason: expect.stringMatching(/linking expired/) });
  });

  it("a linked session closed after inactivity: disconnected quietly (no link event), restored on the next ensureReady", async () => {
    const s = await setup({ maintenanceIntervalMs: 5, idleTimeoutMs: 60_000 });
    const socket = await baileysLinked(s);
    const announced = linkStatesOf(s.events, B_REFERRER).length;
    s.clock.advance(61_000);
    await baileysUntil(() => socket.isClosed, "closed by the pool");
    await baileysUntil(() => s.transport.getState(B_REFERRER).status === "disconnected", "disconnected");
    expect(s.transport.getState(B_REFERRER).reason).toMatch(/inactivity.*restored on the next send/);
    expect(linkStatesOf(s.events, B_REFERRER)).toHaveLength(announced);
    expect(await s.transport.ensureReady(B_REFERRER)).toMatchObject({ status: "connected" });
  });
});

describe("wwebjs: the pool closing a session", () => {
  let w: World;
  afterEach(async () => {
    await w?.close();
  });

  it("a QR nobody scanned, closed after inactivity: the referrer is told the link expired", async () => {
    const clock = new ManualClock("2026-01-05T10:00:00Z");
    w = await world({ clock, idleTimeoutMs: 60_000, linkWaitMs: 10 * 60_000 });
    expect((await w.transport.connect(REFERRER, { method: "qr" })).status).toBe("pending_qr");
    clock.advance(61_000);
    await w.transport.maintain();
    await until(() => linkStatesOf(w.events, REFERRER).at(-1)?.status === "disconnected", "link event");
    expect(linkStatesOf(w.events, REFERRER).at(-1)).toMatchObject({ status: "disconnected", phone: null, reason: expect.stringMatching(/linking expired/) });
  });

  it("a linked session whose lease another process took: disconnected quietly, 'driven by another process'", async () => {
    const clock = new ManualClock("2026-01-05T10:00:00Z");
    w = await world({ clock });
    await w.transport.connect(REFERRER, { method: "qr" });
    await w.fake.latest(REFERRER).link(PHONE);
    await until(() => w.transport.getState(REFERRER).status === "connected", "connected");
    await w.transport.idle();
    const announced = linkStatesOf(w.events, REFERRER).length;
    clock.advance(61_000);
    const second = w.otherProcess();
    expect(await second.ensureReady(REFERRER)).toMatchObject({ status: "connected" });
    await w.transport.maintain();
    expect(w.transport.getState(REFERRER)).toMatchObject({ status: "disconnected", phone: PHONE, reason: expect.stringMatching(/driven by another process/) });
    expect(linkStatesOf(w.events, REFERRER)).toHaveLength(announced);
  });
});
