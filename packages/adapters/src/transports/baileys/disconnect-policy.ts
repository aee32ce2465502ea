import { DisconnectReason } from "@whiskeysockets/baileys";
import type { Logger } from "@relance/core";
import { statusCodeOf } from "./socket.js";
import { messageOf } from "../session/error-message.js";

export interface ReconnectSettings {
  /** Delay before the first reconnect; doubled at each further attempt. */
  initialDelayMs: number;
  maxDelayMs: number;
  /** Reconnects tried after a lost connection before giving up (`failed`). */
  maxAttempts: number;
  /** Random spread of each delay (0.2 = ±20 %), so sessions dropped together do not reconnect together. */
  jitterRatio: number;
}

export const DEFAULT_RECONNECT: ReconnectSettings = {
  initialDelayMs: 2_000,
  maxDelayMs: 60_000,
  maxAttempts: 8,
  jitterRatio: 0.2,
};

/** What to do when a socket closed and we did not ask for it. */
export type CloseAction =
  | { kind: "restart"; reason: string }
  | { kind: "retry"; attempt: number; delayMs: number; reason: string }
  | { kind: "logged_out"; reason: string }
  /**
   * `blockRestore`: `ensureReady` must not bring this session back on its own. `replaced`: another
   * login uses these creds now; this one must not write them any more (its copy is stale).
   */
  | { kind: "stop"; status: "failed" | "disconnected"; reason: string; blockRestore: boolean; replaced?: true; gaveUp?: true };

export interface CloseContext {
  /** `lastDisconnect.error.output.statusCode`; undefined when the socket closed without an error. */
  statusCode: number | undefined;
  /** The stored creds hold a linked device (the phone scanned the QR or entered the code). */
  linked: boolean;
  /** How a link not yet completed was started. */
  linkMethod: "qr" | "pairing_code";
  /** The closed socket had shown a QR (the pairing code rides on those too). */
  qrShown: boolean;
  /** Reconnects already made since the connection was last open. */
  attempts: number;
  /** `restartRequired` closes in a row since the connection was last open. */
  restarts: number;
  settings: ReconnectSettings;
  random?: () => number;
}

/** A server asking for restarts again and again is treated like any other lost connection. */
const MAX_RESTARTS_IN_A_ROW = 3;

export function decideOnClose(context: CloseContext): CloseAction {
  const { statusCode, linked } = context;
  if (!linked && statusCode !== DisconnectReason.restartRequired) return linkEnded(context);
  switch (statusCode) {
    case DisconnectReason.restartRequired:
      // Sent right after a successful pairing: the new socket logs in with the new creds.
      if (context.restarts < MAX_RESTARTS_IN_A_ROW) return { kind: "restart", reason: "restarting after pairing" };
      break;
    case DisconnectReason.loggedOut:
      return { kind: "logged_out", reason: "logged out: the device was unlinked from the phone" };
    case DisconnectReason.connectionReplaced:
      // Another socket uses these creds: reconnecting would only kick it off in turn, forever.
      return { kind: "stop", status: "failed", reason: "replaced by another connection", blockRestore: true, replaced: true };
    case DisconnectReason.forbidden:
      return { kind: "stop", status: "failed", reason: "WhatsApp refused the connection (403 forbidden): the account may be banned or restricted", blockRestore: true };
    case DisconnectReason.multideviceMismatch:
      return { kind: "stop", status: "failed", reason: "multi-device mismatch (411): update WhatsApp on the phone, then link again", blockRestore: true };
  }
  return retryOrGiveUp(context);
}

/**
 * A link that did not complete is never resumed: `requestPairingCode` already set `creds.me`
 * (lib/Socket/socket.js:602), so a new socket would send a login instead of a registration
 * (lib/Socket/socket.js:320-326), get 401, and tell the referrer the device was unlinked. The
 * attempt ends (its creds are discarded) and the referrer starts again.
 */
function linkEnded(context: CloseContext): CloseAction {
  const { statusCode } = context;
  // After QRs were shown, 408 means they all expired unused. Before any, it is the network:
  // Baileys maps ENOTFOUND, ECONNREFUSED, ETIMEDOUT… to 408 as well.
  if (statusCode === DisconnectReason.timedOut && context.qrShown) {
    return { kind: "stop", status: "disconnected", reason: context.linkMethod === "qr" ? "QR expired" : "pairing code expired", blockRestore: false };
  }
  if (statusCode === CLIENT_TOO_OLD) return { kind: "stop", status: "failed", reason: `${describeStatus(statusCode)}; try again in a minute`, blockRestore: false };
  return { kind: "stop", status: "failed", reason: `the link was interrupted (${describeStatus(statusCode)}): start again`, blockRestore: false };
}

function retryOrGiveUp(context: CloseContext): CloseAction {
  const { settings } = context;
  const cause = describeStatus(context.statusCode);
  const attempt = context.attempts + 1;
  if (attempt > settings.maxAttempts) {
    return { kind: "stop", status: "failed", reason: `could not connect after ${settings.maxAttempts} attempts (last: ${cause})`, blockRestore: false, gaveUp: true };
  }
  const delayMs = backoffDelay(attempt, settings, context.random ?? Math.random);
  return { kind: "retry", attempt, delayMs, reason: `${cause}; reconnecting in ${formatSeconds(delayMs)} (attempt ${attempt}/${settings.maxAttempts})` };
}

/** `initialDelayMs` doubled per attempt (1-based), capped at `maxDelayMs`, spread by the jitter. */
export function backoffDelay(attempt: number, settings: ReconnectSettings, random: () => number = Math.random): number {
  const base = Math.min(settings.initialDelayMs * 2 ** (attempt - 1), settings.maxDelayMs);
  const spread = base * settings.jitterRatio * (random() * 2 - 1);
  return Math.max(0, Math.round(base + spread));
}

/** WhatsApp refuses the WhatsApp Web version the socket announced (Baileys #1937, #1939, #2733). */
const CLIENT_TOO_OLD = 405;

export function describeStatus(statusCode: number | undefined): string {
  switch (statusCode) {
    case CLIENT_TOO_OLD:
      return "client version too old (405): WhatsApp no longer accepts the WhatsApp Web version announced";
    case undefined:
      return "connection closed without an error";
    case DisconnectReason.connectionClosed:
      return "connection closed (428)";
    case DisconnectReason.connectionLost:
      return "connection lost (408)";
    case DisconnectReason.badSession:
      return "bad session (500)";
    case DisconnectReason.unavailableService:
      return "WhatsApp unavailable (503)";
    case DisconnectReason.restartRequired:
      return "restart required (515)";
    default:
      return `connection closed (${statusCode})`;
  }
}

export function formatSeconds(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Math.round(ms / 100) / 10} s`;
}

/** A connection open this long counts as stable: its drop starts the reconnect backoff afresh. */
export const STABLE_CONNECTION_MS = 60_000;

export interface ReconnectsDeps {
  settings: ReconnectSettings;
  random?: () => number;
  logger: Logger;
  referrerUserId: string;
  /** WhatsApp answered 405: the version must be read again before the next socket. */
  versionRejected(): void;
}

/**
 * One session's reconnects in a row and restarts (515) in a row, across its sockets, and the
 * decision when one of them closes on its own.
 */
export class Reconnects {
  private attempts = 0;
  private restarts = 0;

  constructor(private readonly deps: ReconnectsDeps) {}

  /** The referrer asked to connect: the backoff starts afresh. */
  reset(): void {
    this.attempts = 0;
  }

  /**
   * A socket opened. The reconnect budget is only given back once the connection proved stable
   * (see `closed`): a socket that opens then drops at once must not reconnect forever every 2 s.
   */
  opened(): void {
    this.restarts = 0;
  }

  /** A socket closed on its own with `error`; `openForMs`: how long it had been open, null when it never opened. */
  closed(error: unknown, input: Pick<CloseContext, "linked" | "linkMethod" | "qrShown"> & { openForMs: number | null }): CloseAction {
    const { openForMs, ...context } = input;
    const statusCode = statusCodeOf(error);
    if (statusCode === CLIENT_TOO_OLD) this.deps.versionRejected();
    if (openForMs !== null && openForMs >= STABLE_CONNECTION_MS) this.attempts = 0;
    const { settings, random } = this.deps;
    const action = decideOnClose({ ...context, statusCode, attempts: this.attempts, restarts: this.restarts, settings, ...(random ? { random } : {}) });
    if (action.kind === "restart") this.restarts++;
    if (action.kind === "retry") this.attempts = action.attempt;
    const err = error === undefined ? undefined : messageOf(error);
    this.deps.logger.info({ referrerUserId: this.deps.referrerUserId, statusCode, err, action: action.kind }, "baileys connection closed");
    return action;
  }
}
