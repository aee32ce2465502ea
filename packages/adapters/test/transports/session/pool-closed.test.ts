import { describe, expect, it } from "vitest";
import type { LinkState } from "@relance/core";
import { afterPoolClose, type PoolCloseReason } from "../../../src/transports/session/pool-closed.js";

const PHONE = "+33600000001" as const;
const connected: LinkState = { status: "connected", phone: PHONE };
const connecting: LinkState = { status: "connecting", phone: PHONE, reason: "reconnecting" };
const qr: LinkState = { status: "pending_qr", phone: null, qr: { text: "2@abc" } };
const pairing: LinkState = { status: "pending_pairing", phone: PHONE, pairingCode: "ABCD-EFGH" };
const failed: LinkState = { status: "failed", phone: PHONE, reason: "replaced by another connection" };
const loggedOut: LinkState = { status: "logged_out", phone: null, reason: "the device was unlinked from the phone" };
const disconnected: LinkState = { status: "disconnected", phone: PHONE, reason: "disconnected by the referrer" };

// What the referrer's state becomes when the pool closes the session, for both drivers.
const CASES: Array<[string, LinkState, PoolCloseReason, { status: string; phone: string | null; reason: RegExp; announce: boolean } | null]> = [
  ["connected, evicted", connected, "evicted", { status: "disconnected", phone: PHONE, reason: /make room.*restored on the next send/, announce: false }],
  ["connected, idle", connected, "idle", { status: "disconnected", phone: PHONE, reason: /inactivity.*restored on the next send/, announce: false }],
  ["connected, lease lost", connected, "lease_lost", { status: "disconnected", phone: PHONE, reason: /driven by another process/, announce: false }],
  ["reconnecting, idle", connecting, "idle", { status: "disconnected", phone: PHONE, reason: /inactivity/, announce: false }],
  ["QR shown, idle", qr, "idle", { status: "disconnected", phone: null, reason: /linking expired/, announce: true }],
  ["QR shown, evicted", qr, "evicted", { status: "disconnected", phone: null, reason: /linking was cancelled/, announce: true }],
  ["pairing code shown, idle", pairing, "idle", { status: "disconnected", phone: null, reason: /linking expired/, announce: true }],
  ["QR shown, lease lost (the other process shows its own)", qr, "lease_lost", null],
  ["failed (replaced), idle", failed, "idle", null],
  ["logged out, evicted", loggedOut, "evicted", null],
  ["closed by the referrer, lease lost", disconnected, "lease_lost", null],
];

describe("afterPoolClose: one rule for what a pool close does to the referrer's state", () => {
  it.each(CASES)("%s", (_, previous, why, expected) => {
    const outcome = afterPoolClose(previous, why);
    if (expected === null) return expect(outcome).toBeNull();
    expect(outcome).toMatchObject({ state: { status: expected.status, phone: expected.phone, reason: expect.stringMatching(expected.reason) }, announce: expected.announce });
    expect(outcome!.state).not.toHaveProperty("qr");
  });
});
