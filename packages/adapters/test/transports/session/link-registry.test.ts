import { describe, expect, it } from "vitest";
import { silentLogger, type LinkState, type TransportEvent } from "@relance/core";
import { ManualClock } from "../../../src/index.js";
import { LinkRegistry } from "../../../src/transports/session/link-registry.js";

const PHONE = "+33600000001" as const;
const connected: LinkState = { status: "connected", phone: PHONE };
const until = new Date("2026-01-06T10:00:00Z");

// [case, previous state, next state, is a link event emitted]
const CASES: Array<[string, LinkState | null, LinkState, boolean]> = [
  ["the first state of a referrer", null, connected, true],
  ["the same state again", connected, { ...connected }, false],
  ["another status", connected, { status: "disconnected", phone: PHONE, reason: "connection lost" }, true],
  ["another reason", { status: "failed", phone: PHONE, reason: "a" }, { status: "failed", phone: PHONE, reason: "b" }, true],
  ["a new QR", { status: "pending_qr", phone: null, qr: { text: "1" } }, { status: "pending_qr", phone: null, qr: { text: "2" } }, true],
  ["the same QR, drawn again", { status: "pending_qr", phone: null, qr: { text: "1" } }, { status: "pending_qr", phone: null, qr: { text: "1", dataUrl: "data:" } }, false],
  ["a new pairing code", { status: "pending_pairing", phone: PHONE, pairingCode: "A" }, { status: "pending_pairing", phone: PHONE, pairingCode: "B" }, true],
  ["a restriction appears", connected, { ...connected, restriction: { reason: "timelock", until } }, true],
  ["the same restriction", { ...connected, restriction: { reason: "timelock", until } }, { ...connected, restriction: { reason: "timelock", until: new Date(until) } }, false],
  ["a restriction lifted", { ...connected, restriction: { reason: "timelock", until } }, connected, true],
];

describe("LinkRegistry: a link event only when the referrer would see a change (both drivers)", () => {
  it.each(CASES)("%s", (_, previous, next, emitted) => {
    const links = new LinkRegistry(new ManualClock(), silentLogger);
    if (previous) links.update("r", previous);
    const events: TransportEvent[] = [];
    links.subscribe((event) => events.push(event));
    expect(links.update("r", next)).toEqual(next);
    expect(events).toHaveLength(emitted ? 1 : 0);
    expect(links.get("r")).toEqual(next);
  });

  it("set records a state without an event; a failing listener does not stop the others", () => {
    const links = new LinkRegistry(new ManualClock(), silentLogger);
    const events: TransportEvent[] = [];
    links.subscribe(() => {
      throw new Error("boom");
    });
    links.subscribe((event) => events.push(event));
    links.set("r", connected);
    expect(events).toEqual([]);
    links.update("r", { status: "disconnected", phone: PHONE });
    expect(events).toHaveLength(1);
    links.clearListeners();
    links.update("r", connected);
    expect(events).toHaveLength(1);
  });
});
