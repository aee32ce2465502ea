import {
  ValidationError,
  isE164,
  type E164,
  type LinkMethod,
  type LinkState,
  type OutgoingMessage,
  type PresenceState,
  type SendContext,
  type SendResult,
  type NewChatQuota,
  type Transport,
  type TransportEvent,
} from "@relance/core";
import { blockedState, closedByReferrer } from "../session/restore-guard.js";
import { closedByReferrerState, disconnectByReferrer, type DisconnectDriver } from "../session/referrer-disconnect.js";
import { forgetStoredContact } from "./contact-erasure.js";
import { checkNumber, sendDay, updatePresence } from "./sending.js";
import type { BaileysSession, SessionMode } from "./session.js";
import { NothingToRestore, sessionIdOf } from "./session-factory.js";
import { BaileysSessions, NAME } from "./sessions.js";
import type { BaileysTransportOptions } from "./transport-options.js";

export type { BaileysTransportOptions } from "./transport-options.js";
export { sessionIdOf } from "./session-factory.js";

export function createBaileysTransport(options: BaileysTransportOptions): Transport {
  return new BaileysTransport(options);
}

/**
 * WhatsApp through Baileys (WhatsApp Web's multi-device protocol over a WebSocket): one linked
 * device per referrer, its creds and signal keys encrypted in the session repository, its socket
 * kept warm in a pool that lets one process at a time drive it (sessions.ts). This class holds
 * the port's decisions: when to link, restore, log out, and what may send.
 */
class BaileysTransport implements Transport {
  readonly name = NAME;
  readonly capabilities = { presence: true, pairingCode: true };
  private readonly s: BaileysSessions;

  constructor(private readonly options: BaileysTransportOptions) {
    this.s = new BaileysSessions(options);
  }

  // ----- linking -----

  async connect(referrerUserId: string, options: { method: LinkMethod; phone?: E164 }): Promise<LinkState> {
    const { s } = this;
    const { method, phone } = options;
    if (method === "pairing_code" && !isE164(phone)) {
      throw new ValidationError("A phone number in E.164 form is required for a pairing code", [{ path: "phone", message: "required for pairing_code" }]);
    }
    await s.blocked.lift(referrerUserId);
    s.giveUps.clear(referrerUserId);
    const mode: SessionMode = method === "qr" ? { kind: "qr" } : { kind: "pairing_code", phone: phone! };
    const existing = s.pool.get(referrerUserId);
    if (existing && !existing.ended) {
      const state = existing.state;
      if (state.status === "connected") return state;
      if (existing.linked) {
        existing.reconnectNow();
        return s.untilOpen(existing);
      }
      if (sameMode(existing.mode, mode)) return s.untilShown(referrerUserId, existing);
    }
    // A link in progress with another method (or number) is abandoned for this one.
    if (existing) await s.release(referrerUserId);
    const session = await s.acquire(referrerUserId, mode);
    return session.linked ? s.untilOpen(session) : s.untilShown(referrerUserId, session);
  }

  disconnect(referrerUserId: string, options: { logout: boolean }): Promise<LinkState> {
    return disconnectByReferrer(this.disconnecting, referrerUserId, options);
  }

  /** What the shared disconnect (session/referrer-disconnect.ts) needs of Baileys. */
  private get disconnecting(): DisconnectDriver<BaileysSession> {
    const { s } = this;
    const { sessions, cipher, clock } = this.options;
    return {
      transport: NAME,
      sessions,
      cipher,
      clock,
      logger: s.logger,
      links: s.links,
      blocks: s.blocked,
      sessionIdOf,
      running: (referrerUserId) => s.pool.get(referrerUserId) ?? null,
      settle: async (session) => session,
      stored: (referrerUserId) => sessions.exists(sessionIdOf(referrerUserId)),
      restore: async (referrerUserId) => {
        try {
          const session = await s.acquire(referrerUserId, { kind: "restore" });
          await session.waitFor((state) => state.status === "connected", s.readyTimeoutMs);
          return session;
        } catch (error) {
          if (error instanceof NothingToRestore) return null;
          throw error;
        }
      },
      phoneOf: (session) => session.state.phone,
      close: (referrerUserId) => s.release(referrerUserId),
      logOut: async (referrerUserId, session) => {
        await session.logout();
        await s.release(referrerUserId);
      },
    };
  }

  newChatQuota(referrerUserId: string): NewChatQuota | null {
    const session = this.s.pool.get(referrerUserId);
    return session && !session.ended ? session.newChatQuota.current() : null;
  }

  getState(referrerUserId: string): LinkState {
    return this.s.getState(referrerUserId);
  }

  async ensureReady(referrerUserId: string): Promise<LinkState> {
    const { s } = this;
    // Read again once a day; sockets opened meanwhile use the last version read.
    void s.factory.versions.current();
    // A reply the engine could not store earlier is handed over again before anything is sent.
    await s.journals.retryRefused(referrerUserId);
    const existing = s.pool.get(referrerUserId);
    if (existing && !existing.ended) {
      existing.recheckRestrictions();
      if (s.dueForRecycling(referrerUserId, existing)) existing.recycle();
      if (existing.state.status !== "connecting") return existing.state;
      return (await existing.waitFor((state) => state.status !== "connecting", s.readyTimeoutMs)) ?? existing.state;
    }
    const blocked = await s.blocked.holds(referrerUserId, s.pool);
    if (blocked !== null) return blockedState(s.links, referrerUserId, blocked);
    const coolingDown = s.giveUps.coolingDown(referrerUserId);
    if (coolingDown) return { status: "failed", phone: this.getState(referrerUserId).phone, reason: coolingDown };
    const sessionId = sessionIdOf(referrerUserId);
    if (!(await this.options.sessions.exists(sessionId))) return this.getState(referrerUserId);
    if (await closedByReferrer(this.options.sessions, this.options.cipher, sessionId).isSet()) return closedByReferrerState(s.links, referrerUserId);
    let session: BaileysSession;
    try {
      session = await s.acquire(referrerUserId, { kind: "restore" });
    } catch (error) {
      if (error instanceof NothingToRestore) return this.getState(referrerUserId);
      throw error;
    }
    // A concurrent connect may have started a new link: that is not ours to wait for.
    if (!session.linked) return session.state;
    return s.untilOpen(session);
  }

  // ----- sending -----

  async isOnWhatsApp(referrerUserId: string, phone: E164): Promise<boolean> {
    return checkNumber(this.s.requireOpen(referrerUserId), phone, this.s.sending(referrerUserId));
  }

  async sendPresence(referrerUserId: string, state: PresenceState, to?: E164): Promise<void> {
    return updatePresence(this.s.requireOpen(referrerUserId), state, to, this.s.sending(referrerUserId));
  }

  async send(referrerUserId: string, message: OutgoingMessage, context: SendContext): Promise<SendResult> {
    return sendDay(this.s.requireOpen(referrerUserId), message, context, this.s.sending(referrerUserId));
  }

  /**
   * Erasure: the session forgets `phone` (address book, parked replies, Baileys' LID mapping) and
   * the journal its unacknowledged replies, whether the session runs here or is only stored. A
   * session another process drives forgets in storage; that process's cached book may write the
   * number back on its next change of the book (the person is never messaged again: the tombstone).
   */
  async forgetContact(referrerUserId: string, phone: E164): Promise<void> {
    await this.s.journals.forget(referrerUserId, phone);
    const live = this.s.pool.get(referrerUserId);
    if (live && !live.ended) await live.forget(phone);
    else await forgetStoredContact(this.options.sessions, this.options.cipher, sessionIdOf(referrerUserId), phone);
  }

  // ----- events and lifecycle -----

  subscribe(listener: (event: TransportEvent) => void): () => void {
    return this.s.links.subscribe(listener);
  }

  /**
   * What the sessions surfaced while closing is handed over: waits (bounded) for the engine's
   * acknowledgements before the listeners go; anything left is replayed on the next ready.
   */
  close(): Promise<void> {
    return this.s.closeAll();
  }
}

function sameMode(a: SessionMode, b: SessionMode): boolean {
  return a.kind === b.kind && (a.kind !== "pairing_code" || (b.kind === "pairing_code" && a.phone === b.phone));
}
