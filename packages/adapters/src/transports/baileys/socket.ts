import {
  Browsers,
  type AuthenticationCreds,
  type AuthenticationState,
  type UserFacingSocketConfig,
  type WABrowserDescription,
  type WASocket,
} from "@whiskeysockets/baileys";
import type { BaileysLogger } from "./logger.js";

/** The part of a Baileys socket this transport uses: what a test double must provide. */
export type BaileysSocket = Pick<
  WASocket,
  "ev" | "user" | "end" | "logout" | "requestPairingCode" | "onWhatsApp" | "presenceSubscribe" | "sendPresenceUpdate" | "sendMessage"
>;

export interface SocketContext {
  referrerUserId: string;
  sessionId: string;
}

/** Baileys' `makeWASocket` (the default) or a test double; `context` says whose session it is. */
export type MakeBaileysSocket = (config: UserFacingSocketConfig, context: SocketContext) => BaileysSocket;

/** The name the referrer sees in WhatsApp's "Linked devices". */
export const DEFAULT_BROWSER: WABrowserDescription = Browsers.ubuntu("Relance");

export function socketConfig(auth: AuthenticationState, logger: BaileysLogger, browser: WABrowserDescription): UserFacingSocketConfig {
  return {
    auth,
    logger,
    browser,
    // Online on connect would silence the referrer's phone notifications while we are linked.
    markOnlineOnConnect: false,
    syncFullHistory: false,
  };
}

/**
 * Whether the creds belong to a linked device. Not `creds.registered`: Baileys sets it only at
 * the end of a pairing-code link, never after a QR scan; `account` (the signed device identity)
 * is written by the pair-success of both. Not `creds.me` either: `requestPairingCode` sets it
 * before anything is linked.
 */
export function isLinked(creds: AuthenticationCreds): boolean {
  return Boolean(creds.account && creds.me?.id);
}

/** `lastDisconnect.error.output.statusCode` of a Boom; undefined for a close without an error. */
export function statusCodeOf(error: unknown): number | undefined {
  const output = (error as { output?: { statusCode?: unknown } } | null | undefined)?.output;
  return typeof output?.statusCode === "number" ? output.statusCode : undefined;
}
