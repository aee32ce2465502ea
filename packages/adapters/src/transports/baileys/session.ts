import type { BaileysEventMap } from "@whiskeysockets/baileys";
import type { E164, LinkState, SenderRestriction } from "@relance/core";
import type { PooledSession } from "../pool/session-pool.js";
import type { AddressBook } from "./address-book.js";
import { cancellableWait } from "./cancellable-wait.js";
import type { NewChatQuotaWatch } from "./new-chat-quota.js";
import type { SentMessageStore } from "./sent-messages.js";
import { forgetInSession, sessionParts, type SessionParts } from "./session-parts.js";
import { endSocket, genOf, socketOf, type SessionPhase, type SocketTurn } from "./session-phase.js";
import type { SessionDeps, SessionMode } from "./session-types.js";
import { isLinked, socketConfig, type BaileysSocket, type LidMapping } from "./socket.js";
import { wireSocket } from "./socket-wiring.js";
import { SessionLinkState } from "./link-state.js";
import { messageOf } from "../session/error-message.js";
import { phoneOfJid } from "../session/jid.js";

export type { SessionDeps, SessionHooks, SessionMode, SessionTimeouts } from "./session-types.js";
export { formatPairingCode } from "./link-prompts.js";

/**
 * One referrer's WhatsApp connection, across the sockets it takes (Baileys' sockets do not
 * reconnect: each restart or reconnect builds a new one on the same auth state). Where it is,
 * is one value (`SessionPhase`); by concern, its parts live beside it: linking (link-prompts.ts),
 * inbound (inbox.ts, readiness.ts), sending (sending.ts, restrictions.ts), stored creds
 * (session-creds.ts), socket events (socket-wiring.ts). This file is its lifecycle.
 */
export class BaileysSession implements PooledSession {
  private phase: SessionPhase = { kind: "created" };
  /** Sockets built so far (each socket's `gen`). */
  private sockets = 0;
  private readonly link: SessionLinkState;
  private readonly parts: SessionParts;

  constructor(
    private readonly deps: SessionDeps,
    readonly mode: SessionMode,
  ) {
    const initial: LinkState = { status: "disconnected", phone: phoneOfJid(deps.auth.state.creds.me?.id) };
    this.link = new SessionLinkState(initial, (state) => deps.hooks.state(state), () => this.parts.restrictions.current());
    this.parts = sessionParts(deps, mode, {
      isCurrent: (gen) => genOf(this.phase) === gen,
      lidMapping: () => this.lidMapping(),
      linked: () => this.linked,
      show: (state) => this.setState(state),
      ready: (gen, sock) => {
        if (genOf(this.phase) !== gen) return;
        this.deps.hooks.connected();
        this.setState({ status: "connected", phone: phoneOfJid(sock.user?.id) ?? this.knownPhone() });
      },
      linkFailed: (state, discard) => this.finish(state, { blockRestore: false, discard }),
      restrictionChanged: () => {
        if (!this.ended) this.link.restrictionChanged(this.deps.logger, this.deps.referrerUserId);
      },
    });
  }

  /** The new-chat quota WhatsApp last reported (new-chat-quota.ts). */
  get newChatQuota(): NewChatQuotaWatch {
    return this.parts.newChatQuota;
  }

  /** WhatsApp's restriction on the account, while one is in force. */
  get restriction(): SenderRestriction | undefined {
    return this.parts.restrictions.current();
  }

  get addressBook(): AddressBook {
    return this.deps.book;
  }

  get sentMessages(): SentMessageStore {
    return this.deps.sentMessages;
  }

  get state(): LinkState {
    return this.link.view;
  }

  get linked(): boolean {
    return isLinked(this.deps.auth.state.creds);
  }

  /** True once stopped, by us or on its own. */
  get ended(): boolean {
    return this.phase.kind === "stopped";
  }

  /** The socket, only while it can send. */
  get openSocket(): BaileysSocket | null {
    return this.link.last.status === "connected" ? (socketOf(this.phase)?.sock ?? null) : null;
  }

  /** How long the current socket has been open (ms); null while none is open. */
  get socketAgeMs(): number | null {
    return this.phase.kind === "open" && this.link.last.status === "connected" ? this.deps.clock.now().getTime() - this.phase.openedAt : null;
  }

  /** Erasure: the session forgets `phone` (see `forgetContactIn`), in turn with the replies being handled. */
  forget(phone: E164): Promise<void> {
    return forgetInSession(this.deps, this.parts, this.lidMapping(), phone);
  }

  /** Asks WhatsApp again about a restriction without a known end (throttled). */
  recheckRestrictions(): void {
    const sock = this.openSocket;
    if (sock) this.parts.readiness.recheck(sock);
  }

  /** Opens the first socket; later calls do nothing. */
  start(): void {
    if (this.phase.kind === "created") this.openNewSocket();
  }

  /** The referrer asked to connect: skip the rest of the backoff wait. */
  reconnectNow(): void {
    this.parts.reconnects.reset();
    if (this.phase.kind === "waiting") this.phase.cancel();
    else if (this.phase.kind === "created" || this.phase.kind === "building") this.openNewSocket();
  }

  /** Resolves with the state once `done` holds or the session stops; null after `timeoutMs`. */
  waitFor(done: (state: LinkState) => boolean, timeoutMs: number): Promise<LinkState | null> {
    return this.link.waitFor(done, () => this.ended, timeoutMs);
  }

  /**
   * Replaces a long-lived socket by a new one on the same auth (X5): Baileys' per-socket caches
   * (LID mappings, retry counters, message caches) only empty when the socket ends. Its close
   * flushes the event buffer like any close; the new socket drains the offline backlog like any
   * reconnect before the session is `connected` again.
   */
  recycle(): void {
    if (this.phase.kind !== "open" || this.link.last.status !== "connected") return;
    const { socket } = this.phase;
    this.deps.logger.info({ referrerUserId: this.deps.referrerUserId, ageMs: this.socketAgeMs }, "baileys socket recycled");
    this.phase = { kind: "recycling", socket };
    this.setState({ status: "connecting", phone: this.knownPhone(), reason: "renewing a long-lived connection" });
    void endSocket(socket, this.deps.logger, this.deps.referrerUserId);
  }

  /**
   * Closes the connection; the device stays linked. The replies its socket surfaced while closing
   * are handed over first. The creds are written one last time only while the lease is still
   * ours: the pool also closes sessions whose lease another process took.
   */
  async close(): Promise<void> {
    const socket = this.stop();
    await endSocket(socket, this.deps.logger, this.deps.referrerUserId);
    // Replies the socket surfaced up to its end are journaled (and handed over) before close returns.
    await this.parts.inbox.settled();
    await this.parts.creds.closeWrites(() => this.deps.hooks.ownsLease());
  }

  /** Unlinks the device (when connected) and deletes the stored session. */
  async logout(): Promise<void> {
    const connected = this.link.last.status === "connected";
    const socket = this.stop();
    if (socket && connected) {
      try {
        await socket.sock.logout();
      } catch (error) {
        this.deps.logger.warn({ referrerUserId: this.deps.referrerUserId, err: messageOf(error) }, "baileys logout failed: the device may stay listed on the phone");
      }
    }
    await endSocket(socket, this.deps.logger, this.deps.referrerUserId);
    await this.parts.creds.discard();
    await this.parts.creds.flush();
  }

  // ----- sockets -----

  private openNewSocket(): void {
    const gen = ++this.sockets;
    const { makeSocket, referrerUserId, sessionId, baileysLogger, browser } = this.deps;
    // Said here rather than on the socket's own `connecting` (a tick later), keeping a restart's reason.
    if (this.link.last.status !== "connecting") this.setState({ status: "connecting", phone: this.knownPhone() });
    let sock: BaileysSocket;
    try {
      const version = this.deps.version();
      const getMessage = async (key: { id?: string | null }) => (key.id ? this.deps.sentMessages.get(key.id) : undefined);
      sock = makeSocket(socketConfig(this.parts.creds.auth, baileysLogger, browser, { ...(version ? { version } : {}), getMessage }), { referrerUserId, sessionId });
    } catch (error) {
      // makeWASocket throws synchronously on a bad configuration: handled like a failed connection.
      this.phase = { kind: "building", gen };
      queueMicrotask(() => this.onClose(gen, error));
      return;
    }
    const socket: SocketTurn = { gen, sock, qrShown: false };
    this.phase = { kind: "connecting", socket };
    wireSocket(sock, {
      referrerUserId,
      logger: this.deps.logger,
      inbox: this.parts.inbox,
      readiness: this.parts.readiness,
      restrictions: this.parts.restrictions,
      saveCreds: () => this.parts.creds.onUpdate(),
      connectionUpdate: (update) => this.onConnectionUpdate(socket, update),
      receipt: (receipt) => this.deps.hooks.receipt(receipt),
    });
  }

  private onConnectionUpdate(socket: SocketTurn, update: BaileysEventMap["connection.update"]): void {
    const { gen, sock } = socket;
    if (update.connection === "close") {
      // Baileys destroys its event buffer right after this event, dropping what it holds
      // (lib/Socket/socket.js:499-507; lib/Utils/event-buffer.js:173-186), and the server had
      // those messages' delivery receipts already (lib/Socket/messages-recv.js:1417): never sent
      // again. Flushed here, whoever closed and whatever socket it is, they reach the inbox.
      sock.ev.flush();
      this.onClose(gen, update.lastDisconnect?.error);
      return;
    }
    if (genOf(this.phase) !== gen) return;
    // `qr: undefined` comes with other updates: only a present QR is one.
    if (update.qr) {
      socket.qrShown = true;
      void this.parts.prompts.onQr(gen, sock, update.qr);
    }
    if (update.reachoutTimeLock) this.parts.restrictions.onTimelock(update.reachoutTimeLock);
    if (update.connection === "open" && this.phase.kind === "connecting") {
      this.phase = { kind: "open", socket, openedAt: this.deps.clock.now().getTime() };
      this.parts.reconnects.opened();
      this.parts.prompts.clear();
    }
    this.parts.readiness.onUpdate(gen, sock, update);
  }

  private onClose(gen: number, error: unknown): void {
    const phase = this.phase;
    if (genOf(phase) !== gen) return;
    if (phase.kind === "recycling") {
      this.openNewSocket();
      return;
    }
    // The socket is gone: nothing ends it again, and its late events are not the session's.
    this.phase = { kind: "closed" };
    const action = this.parts.reconnects.closed(error, {
      linked: this.linked,
      linkMethod: this.mode.kind === "pairing_code" ? "pairing_code" : "qr",
      qrShown: socketOf(phase)?.qrShown ?? false,
      openForMs: phase.kind === "open" ? this.deps.clock.now().getTime() - phase.openedAt : null,
    });
    const phone = this.knownPhone();
    switch (action.kind) {
      case "restart":
        this.setState({ status: "connecting", phone, reason: action.reason });
        this.openNewSocket();
        return;
      case "retry":
        // A reconnect is scheduled: the session is on its way back, not down. `ensureReady` waits
        // for it, and dispatch holds quietly instead of telling the referrer the sender is down.
        this.setState({ status: "connecting", phone, reason: action.reason });
        this.reconnectAfter(action.delayMs);
        return;
      case "logged_out":
        void this.finish({ status: "logged_out", phone: null, reason: action.reason }, { blockRestore: false, discard: true });
        return;
      case "stop":
        if (action.replaced) this.parts.creds.fence("replaced by another connection");
        // A link that never completed leaves creds that are useless, or harmful when a pairing
        // code set `me` (the next socket would try to log in instead of showing a QR).
        void this.finish({ status: action.status, phone: this.linked ? phone : null, reason: action.reason }, { blockRestore: action.blockRestore, discard: !this.linked, gaveUp: action.gaveUp === true });
        return;
    }
  }

  private reconnectAfter(delayMs: number): void {
    // A stop or a connect cuts the wait short.
    const { done, cancel } = cancellableWait(this.deps.clock, delayMs);
    const waiting: SessionPhase = { kind: "waiting", cancel };
    this.phase = waiting;
    void done.then(() => {
      if (this.phase === waiting) this.openNewSocket();
    });
  }

  // ----- end -----

  private async finish(state: LinkState, options: { blockRestore: boolean; discard: boolean; gaveUp?: boolean }): Promise<void> {
    // Waiters are told once the final state is there, not with the state being left.
    const socket = this.stop({ notify: false });
    this.parts.prompts.clear();
    void endSocket(socket, this.deps.logger, this.deps.referrerUserId);
    if (options.discard) {
      try {
        await this.parts.creds.discard();
      } catch (error) {
        this.deps.logger.error({ referrerUserId: this.deps.referrerUserId, err: messageOf(error) }, "stored baileys session could not be deleted");
      }
    }
    // A give-up's reason says when the next try is (the transport's cooldown): asked before publishing.
    const shown = options.gaveUp ? { ...state, reason: this.deps.hooks.gaveUp(state.reason ?? "gave up reconnecting") } : state;
    this.link.publish(shown);
    this.deps.hooks.ended({ blockRestore: options.blockRestore });
  }

  /** Stops for good; returns the socket still up (to end), if any. */
  private stop(options: { notify: boolean } = { notify: true }): SocketTurn | null {
    const phase = this.phase;
    if (phase.kind === "stopped") return null;
    if (phase.kind === "waiting") phase.cancel();
    this.phase = { kind: "stopped" };
    if (options.notify) this.link.notify();
    return socketOf(phase);
  }

  // ----- state -----

  private lidMapping(): LidMapping | null {
    return socketOf(this.phase)?.sock.signalRepository?.lidMapping ?? null;
  }

  private setState(state: LinkState): void {
    if (!this.ended) this.link.publish(state);
  }

  private knownPhone(): E164 | null {
    return phoneOfJid(this.deps.auth.state.creds.me?.id) ?? this.link.last.phone;
  }
}
