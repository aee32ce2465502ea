import { describe, expect, it } from "vitest";
import { Boom } from "@hapi/boom";
import { DisconnectReason } from "@whiskeysockets/baileys";
import { silentLogger } from "@relance/core";
import { DEFAULT_RECONNECT, Reconnects, STABLE_CONNECTION_MS } from "../../src/transports/baileys/disconnect-policy.js";
import { genOf, socketOf, type SessionPhase, type SocketTurn } from "../../src/transports/baileys/session-phase.js";
import type { BaileysSocket } from "../../src/transports/baileys/socket.js";

const turn: SocketTurn = { gen: 3, sock: {} as BaileysSocket, qrShown: false };

// [phase, has a socket up, whose events count]
const PHASES: Array<[SessionPhase, boolean, number | null]> = [
  [{ kind: "created" }, false, null],
  [{ kind: "building", gen: 2 }, false, 2],
  [{ kind: "connecting", socket: turn }, true, 3],
  [{ kind: "open", socket: turn, openedAt: 0 }, true, 3],
  [{ kind: "recycling", socket: turn }, true, 3],
  [{ kind: "closed" }, false, null],
  [{ kind: "waiting", cancel: () => undefined }, false, null],
  [{ kind: "stopped" }, false, null],
];

describe("a Baileys session's phase: one value instead of a flag per question", () => {
  it.each(PHASES)("%o: socket up %s, current socket %s", (phase, up, gen) => {
    expect(socketOf(phase) !== null).toBe(up);
    expect(genOf(phase)).toBe(gen);
  });
});

describe("Reconnects: the close decision across a session's sockets", () => {
  const closedWith = (statusCode: number) => new Boom("closed", { statusCode });
  const linked = { linked: true, linkMethod: "qr" as const, qrShown: false };
  const make = (versionRejected: () => void = () => undefined) =>
    new Reconnects({ settings: { ...DEFAULT_RECONNECT, maxAttempts: 3 }, random: () => 0.5, logger: silentLogger, referrerUserId: "r", versionRejected });

  it("counts reconnects until it gives up; a connection that stayed open gives the budget back", () => {
    const r = make();
    expect(r.closed(closedWith(DisconnectReason.connectionLost), { ...linked, openForMs: null })).toMatchObject({ kind: "retry", attempt: 1 });
    expect(r.closed(closedWith(DisconnectReason.connectionLost), { ...linked, openForMs: 1_000 })).toMatchObject({ kind: "retry", attempt: 2 });
    expect(r.closed(closedWith(DisconnectReason.connectionLost), { ...linked, openForMs: STABLE_CONNECTION_MS })).toMatchObject({ kind: "retry", attempt: 1 });
    r.closed(closedWith(DisconnectReason.connectionLost), { ...linked, openForMs: null });
    r.closed(closedWith(DisconnectReason.connectionLost), { ...linked, openForMs: null });
    expect(r.closed(closedWith(DisconnectReason.connectionLost), { ...linked, openForMs: null })).toMatchObject({ kind: "stop", gaveUp: true });
    r.reset();
    expect(r.closed(closedWith(DisconnectReason.connectionLost), { ...linked, openForMs: null })).toMatchObject({ kind: "retry", attempt: 1 });
  });

  it("restarts after pairing at most three times in a row, again once a socket opened", () => {
    const r = make();
    for (let i = 0; i < 3; i++) expect(r.closed(closedWith(DisconnectReason.restartRequired), { ...linked, openForMs: null }).kind).toBe("restart");
    expect(r.closed(closedWith(DisconnectReason.restartRequired), { ...linked, openForMs: null }).kind).toBe("retry");
    r.opened();
    expect(r.closed(closedWith(DisconnectReason.restartRequired), { ...linked, openForMs: null }).kind).toBe("restart");
  });

  it("asks for the WhatsApp Web version again on 405, and never fights a replacement (440)", () => {
    let rejected = 0;
    const r = make(() => rejected++);
    r.closed(closedWith(405), { ...linked, openForMs: null });
    expect(rejected).toBe(1);
    expect(r.closed(closedWith(DisconnectReason.connectionReplaced), { ...linked, openForMs: null })).toMatchObject({ kind: "stop", replaced: true, blockRestore: true });
  });
});
