import type { WABrowserDescription, WAVersion } from "@whiskeysockets/baileys";
import type { Clock, E164, LinkState, Logger } from "@relance/core";
import type { AddressBook } from "./address-book.js";
import type { StorageAuthState } from "./auth-state.js";
import type { ReconnectSettings } from "./disconnect-policy.js";
import type { InboundText, ReceiptUpdate } from "./events.js";
import type { BaileysLogger } from "./logger.js";
import type { SentMessageStore } from "./sent-messages.js";
import type { MakeBaileysSocket } from "./socket.js";

/** How the session was started: a new link (QR or pairing code), or a stored link brought back. */
export type SessionMode = { kind: "qr" } | { kind: "pairing_code"; phone: E164 } | { kind: "restore" };

export interface SessionHooks {
  state(state: LinkState): void;
  /** Resolves once the reply is written to the session's inbound journal (it is handed over then). */
  inbound(message: InboundText): Promise<void>;
  receipt(receipt: ReceiptUpdate): void;
  /** The session stopped on its own (logged out, replaced, gave up): take it out of the pool. */
  ended(outcome: { blockRestore: boolean }): void;
  /** Every reconnect failed: the transport pauses restores; returns the reason to show (with the next try). */
  gaveUp(reason: string): string;
  /** The session is ready (the account is reachable again). */
  connected(): void;
  /**
   * Whether this process still holds the session's lease: a session closed after another process
   * took it must not write its creds over the ones that process stores now.
   */
  ownsLease(): Promise<boolean>;
}

export interface SessionDeps {
  referrerUserId: string;
  sessionId: string;
  auth: StorageAuthState;
  makeSocket: MakeBaileysSocket;
  clock: Clock;
  logger: Logger;
  baileysLogger: BaileysLogger;
  browser: WABrowserDescription;
  reconnect: ReconnectSettings;
  random?: () => number;
  printQrInTerminal?: (text: string) => void;
  hooks: SessionHooks;
  book: AddressBook;
  sentMessages: SentMessageStore;
  /** The WhatsApp Web version to announce (the last one read); Baileys' baked one when undefined. */
  version(): WAVersion | undefined;
  /** WhatsApp answered 405: the version must be read again before the next socket. */
  versionRejected(): void;
  timeouts: SessionTimeouts;
}

export interface SessionTimeouts {
  /** Longest wait after `open` for the offline backlog (`receivedPendingNotifications`). */
  offlineDrainMs: number;
  /** After the backlog flag, how long the socket must surface nothing before it counts as drained. */
  offlineQuietMs: number;
  /** Longest wait for that quiet (a busy account never goes quiet). */
  offlineQuietMaxMs: number;
  /** Longest time from a QR or pairing code shown to the phone completing the link. */
  pairingMs: number;
  /** How long error 463 holds the sender. */
  restrictionHoldMs: number;
  /** Longest wait for WhatsApp's answer on the account's restrictions when a socket opens. */
  restrictionCheckMs: number;
}
