import type { Logger } from "@relance/core";
import { messageOf } from "../session/error-message.js";
import type { BaileysSocket } from "./socket.js";

/** One socket of a session: Baileys' sockets do not reconnect, so each (re)connect builds a new, numbered one. */
export interface SocketTurn {
  /** Its number: events of a socket that is no longer the session's are ignored. */
  gen: number;
  sock: BaileysSocket;
  /** Whether this socket showed a QR (a 408 then means the QR expired, not a network drop). */
  qrShown: boolean;
}

/**
 * Where a session is, as one value (instead of a flag per question). The referrer's `LinkState`
 * is what they are told; this is what the session does.
 *
 * created ─start─▶ connecting ─open─▶ open ─recycle─▶ recycling ─its close─▶ connecting
 * connecting | open ─closes on its own─▶ closed ─▶ connecting (restart) | waiting (retry) | stopped
 * waiting ─backoff over, or the referrer connects─▶ connecting
 * any ─close, logout, link failed─▶ stopped
 *
 * `building`: `makeWASocket` threw; handled as a failed connection on the next microtask.
 */
export type SessionPhase =
  | { kind: "created" }
  | { kind: "building"; gen: number }
  | { kind: "connecting"; socket: SocketTurn }
  | { kind: "open"; socket: SocketTurn; openedAt: number }
  /** Our own end of a long-lived socket: its close opens the next one at once. */
  | { kind: "recycling"; socket: SocketTurn }
  /** Its socket closed on its own; the session decides what comes next (a restart, a wait, the end). */
  | { kind: "closed" }
  /** A reconnect is scheduled; `cancel` cuts the wait short. */
  | { kind: "waiting"; cancel: () => void }
  /** For good (by us, or on its own). */
  | { kind: "stopped" };

/** The socket that is up in this phase (alive: not closed yet), or null. */
export function socketOf(phase: SessionPhase): SocketTurn | null {
  return phase.kind === "connecting" || phase.kind === "open" || phase.kind === "recycling" ? phase.socket : null;
}

/** The number of the socket this phase is about (the one whose events count), or null. */
export function genOf(phase: SessionPhase): number | null {
  return phase.kind === "building" ? phase.gen : (socketOf(phase)?.gen ?? null);
}

/** Ends a socket we no longer want (our close, a logout, a link that failed); never rejects. */
export async function endSocket(socket: SocketTurn | null, logger: Logger, referrerUserId: string): Promise<void> {
  if (!socket) return;
  try {
    await socket.sock.end(undefined);
  } catch (error) {
    logger.warn({ referrerUserId, err: messageOf(error) }, "baileys socket did not end cleanly");
  }
}
