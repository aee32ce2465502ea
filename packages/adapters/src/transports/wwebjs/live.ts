import type { E164, LinkMethod, LinkState } from "@relance/core";
import type { PooledSession } from "../pool/session-pool.js";
import type { WwebjsClient } from "./client-factory.js";
import type { Deferred } from "./deferred.js";
import type { Inbox } from "./inbox.js";
import type { RemoteAuthStore } from "./remote-auth-store.js";

export const RESTORE_REFUSED_REASON = "WhatsApp Web asked to link again when restoring the stored session: link the account again";

export type Purpose = { kind: "link"; method: LinkMethod; phone: E164 | null } | { kind: "restore"; generation?: "previous" };

/** One whatsapp-web.js client (one Chromium) driven for one referrer. */
export interface Live extends PooledSession {
  readonly referrerUserId: string;
  readonly purpose: Purpose;
  readonly client: WwebjsClient;
  readonly store: RemoteAuthStore;
  /** The WhatsApp Web build this client loads (`latest` or a version). */
  readonly webVersion: string;
  readonly inbox: Inbox;
  /** Settles with the first state worth showing (QR, pairing code, connected) or the failure. */
  readonly firstState: Deferred;
  /** Whether the pool took this session (known once its `acquire` settled). */
  readonly pooled: { promise: Promise<boolean>; resolve(pooled: boolean): void };
  initializing: boolean;
  ready: boolean;
  /** Ready, and the messages received while it was closed are read: it may be reported connected. */
  caughtUp: boolean;
  /** No longer the referrer's current session: its events are ignored. */
  ended: boolean;
  qrSequence: number;
  closing: Promise<void> | null;
  /** Ends a link whose QR or code is not used in time (its Chromium would otherwise wait for the idle timeout). */
  linkTimer?: NodeJS.Timeout;
}

/** Restoring made WhatsApp Web show a QR: the stored session (this generation of it) was refused. */
export class RestoreRefused extends Error {
  constructor() {
    super("WhatsApp Web asked to link again while restoring the session");
  }
}

/** A link attempt ended before its first state; the state says why. */
export class LinkEnded extends Error {
  constructor(readonly state: LinkState) {
    super(state.reason ?? state.status);
  }
}
