import {
  SessionCapacityError,
  ValidationError,
  type E164,
  type EnsureReadyOptions,
  type LinkMethod,
  type LinkState,
  type OutgoingMessage,
  type PresenceState,
  type SendContext,
  type SendResult,
  type Transport,
  type TransportListener,
} from "@relance/core";
import { withTimeout } from "./deferred.js";
import { describe } from "./events.js";
import { closeLive, shutDown } from "./lifecycle.js";
import { isLinkInProgress, openSession } from "./linking.js";
import { LinkEnded, RESTORE_REFUSED_REASON, type Live } from "./live.js";
import type { WwebjsTransportOptions } from "./options.js";
import { isOnWhatsApp, send, sendPresence } from "./outbound.js";
import { CLOSED_BY_REFERRER_KEY, blockedState } from "../session/restore-guard.js";
import { closedByReferrerState, disconnectByReferrer, type DisconnectDriver } from "../session/referrer-disconnect.js";
import { ARCHIVE_KEY } from "./remote-auth-store.js";
import { WwebjsRuntime } from "./runtime.js";
import { sessionIdOf } from "./session-ids.js";

export type { WwebjsTransportOptions } from "./options.js";

/**
 * whatsapp-web.js transport: each referrer's session is a headless Chromium running WhatsApp
 * Web, its profile archived (encrypted) in the session repository by RemoteAuth, kept warm by
 * the session pool under a lease so that one process drives it at a time.
 *
 * The class holds the port's decisions (when to link, restore, log out); linking, client events,
 * readiness, sending and teardown live in their own files around a shared `WwebjsRuntime`.
 */
export class WwebjsTransport implements Transport {
  readonly name = "wwebjs";
  readonly capabilities: { presence: boolean; pairingCode: boolean; maxSessions: number };
  private readonly rt: WwebjsRuntime;

  constructor(options: WwebjsTransportOptions) {
    this.rt = new WwebjsRuntime(options);
    this.capabilities = { presence: true, pairingCode: true, maxSessions: this.rt.maxSessions };
    this.rt.pool.startMaintenance();
  }

  // ----- Transport port -----

  async connect(referrerUserId: string, options: { method: LinkMethod; phone?: E164 }): Promise<LinkState> {
    const { rt } = this;
    rt.assertOpen();
    if (options.method === "pairing_code" && !options.phone) {
      throw new ValidationError("[wwebjs] linking by pairing code needs the referrer's phone number");
    }
    const existing = rt.current.get(referrerUserId);
    if (existing) {
      await existing.firstState.promise.catch(() => undefined);
      if (rt.isCurrent(existing)) {
        const state = rt.getState(referrerUserId);
        if (state.status === "connected" || isLinkInProgress(existing, options, state)) return state;
        rt.detach(existing);
        await shutDown(rt, existing);
      }
    }
    await rt.blocked.lift(referrerUserId);
    return openSession(rt, referrerUserId, { kind: "link", method: options.method, phone: options.phone ?? null });
  }

  disconnect(referrerUserId: string, options: { logout: boolean }): Promise<LinkState> {
    this.rt.assertOpen();
    return disconnectByReferrer(this.disconnecting, referrerUserId, options);
  }

  /** What the shared disconnect (session/referrer-disconnect.ts) needs of whatsapp-web.js. */
  private get disconnecting(): DisconnectDriver<Live> {
    const { rt } = this;
    return {
      transport: "whatsapp-web.js",
      sessions: rt.sessions,
      cipher: rt.cipher,
      clock: rt.clock,
      logger: rt.logger,
      links: rt.links,
      blocks: rt.blocked,
      sessionIdOf,
      running: (referrerUserId) => rt.current.get(referrerUserId) ?? null,
      settle: async (live) => {
        await live.firstState.promise.catch(() => undefined);
        return rt.isCurrent(live) ? live : null;
      },
      stored: async (referrerUserId) => (await rt.sessions.get(sessionIdOf(referrerUserId), [ARCHIVE_KEY]))[ARCHIVE_KEY] !== undefined,
      restore: async (referrerUserId) => {
        await openSession(rt, referrerUserId, { kind: "restore" });
        return rt.current.get(referrerUserId) ?? null;
      },
      phoneOf: (live) => rt.getState(live.referrerUserId).phone,
      close: async (_, live) => {
        rt.detach(live);
        await shutDown(rt, live);
      },
      logOut: async (referrerUserId, live) => {
        rt.detach(live);
        live.store.allowDeletion();
        live.store.stopWriting();
        if (live.ready) {
          await withTimeout(live.client.logout(), rt.destroyTimeoutMs).catch((error: unknown) => {
            rt.logger.warn({ referrerUserId, err: describe(error) }, "whatsapp-web.js logout failed; the stored session is deleted anyway");
          });
        }
        await shutDown(rt, live);
      },
    };
  }

  getState(referrerUserId: string): LinkState {
    return this.rt.getState(referrerUserId);
  }

  async ensureReady(referrerUserId: string, options: EnsureReadyOptions = {}): Promise<LinkState> {
    const { rt } = this;
    rt.assertOpen();
    const live = rt.current.get(referrerUserId);
    if (live) {
      await live.firstState.promise.catch(() => undefined);
      if (rt.isCurrent(live)) rt.pool.get(referrerUserId);
      // A reply the engine could not store earlier is handed over again before anything is sent.
      await rt.journals.retryRefused(referrerUserId);
      return rt.getState(referrerUserId);
    }
    const blocked = await rt.blocked.holds(referrerUserId, rt.pool);
    if (blocked !== null) return blockedState(rt.links, referrerUserId, blocked);
    const stored = await rt.sessions.get(sessionIdOf(referrerUserId), [ARCHIVE_KEY, CLOSED_BY_REFERRER_KEY]);
    if (stored[ARCHIVE_KEY] === undefined) return rt.getState(referrerUserId);
    if (stored[CLOSED_BY_REFERRER_KEY] !== undefined) return closedByReferrerState(rt.links, referrerUserId);
    // WhatsApp refused it: another try would start a Chromium to be shown a QR again. Kept, not
    // deleted (a torn backup or a passing glitch is no unlink); linking again replaces it.
    if (await rt.bookOf(referrerUserId).restoreRefusedAt()) {
      const state = rt.getState(referrerUserId);
      return state.status === "logged_out" ? state : { status: "logged_out", phone: null, reason: RESTORE_REFUSED_REASON };
    }
    if (options.purpose === "listen") {
      // Listening must not churn Chromiums: no eviction to make room, and a budget of new ones.
      if (!rt.pool.hasRoom()) throw new SessionCapacityError(`[wwebjs] no free session for listening to ${referrerUserId}: every Chromium this process may run is open`);
      if (!rt.listenBudget.take()) throw new SessionCapacityError(`[wwebjs] listening to ${referrerUserId} waits: the budget of new Chromiums for listening is spent for now`);
    }
    return openSession(rt, referrerUserId, { kind: "restore" });
  }

  isOnWhatsApp(referrerUserId: string, phone: E164): Promise<boolean> {
    return isOnWhatsApp(this.rt, referrerUserId, phone);
  }

  sendPresence(referrerUserId: string, state: PresenceState, to?: E164): Promise<void> {
    return sendPresence(this.rt, referrerUserId, state, to);
  }

  send(referrerUserId: string, message: OutgoingMessage, context: SendContext): Promise<SendResult> {
    return send(this.rt, referrerUserId, message, context);
  }

  /**
   * Erasure: the session forgets `phone` (canonical id, ids of its messages), running or stored,
   * and the inbound journal its unacknowledged replies (shared with Baileys).
   */
  async forgetContact(referrerUserId: string, phone: E164): Promise<void> {
    await this.rt.journals.forget(referrerUserId, phone);
    const live = this.rt.current.get(referrerUserId);
    if (live) await live.inbox.forget(phone);
    else await this.rt.bookOf(referrerUserId).forgetContact(phone);
  }

  subscribe(listener: TransportListener): () => void {
    return this.rt.links.subscribe(listener);
  }

  async close(): Promise<void> {
    const { rt } = this;
    rt.closed = true;
    for (const referrerUserId of rt.current.keys()) {
      const { phone } = rt.getState(referrerUserId);
      rt.setQuietly(referrerUserId, { status: "disconnected", phone, reason: "this server closed the session; it stays linked" });
    }
    const opening = [...rt.current.values()].filter((live) => !live.firstState.settled);
    for (const live of opening) {
      rt.detach(live);
      live.firstState.reject(new LinkEnded({ status: "disconnected", phone: null, reason: "the transport is closing" }));
    }
    await rt.pool.closeAll();
    const remaining = [...rt.current.values(), ...opening];
    rt.current.clear();
    await Promise.allSettled(remaining.map((live) => closeLive(rt, live)));
    await rt.idle();
    // Replies handed over up to now: wait (bounded) for the engine's acknowledgements before the
    // listeners go; anything left is replayed on the session's next ready.
    await rt.journals.settled();
    rt.links.clearListeners();
  }

  // ----- beyond the port -----

  /** Renews leases and closes idle sessions now (also done on a timer). */
  maintain(): Promise<void> {
    return this.rt.pool.maintain();
  }

  /** Resolves once the background work started so far (storage writes, teardowns) is done. */
  idle(): Promise<void> {
    return this.rt.idle();
  }
}

export function createWwebjsTransport(options: WwebjsTransportOptions): WwebjsTransport {
  return new WwebjsTransport(options);
}
