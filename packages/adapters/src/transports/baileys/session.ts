import { makeCacheableSignalKeyStore, type AuthenticationState, type BaileysEventMap } from "@whiskeysockets/baileys";
import type { E164, LinkState, SenderRestriction } from "@relance/core";
import type { PooledSession } from "../pool/session-pool.js";
import type { AddressBook } from "./address-book.js";
import { forgetContactIn } from "./contact-erasure.js";
import { cancellableWait } from "./cancellable-wait.js";
import { decideOnClose } from "./disconnect-policy.js";
import { receiptsFromStatusUpdates, receiptsFromUserReceipts } from "./events.js";
import { BaileysInbox } from "./inbox.js";
import { phoneOfJid } from "../session/jid.js";
import { createKeyCache } from "./key-cache.js";
import { LinkPrompts } from "./link-prompts.js";
import { ReadinessGate } from "./readiness.js";
import { NewChatQuotaWatch } from "./new-chat-quota.js";
import { RestrictionWatch } from "./restrictions.js";
import type { SentMessageStore } from "./sent-messages.js";
import type { SessionDeps, SessionMode } from "./session-types.js";
import { isLinked, socketConfig, statusCodeOf, type BaileysSocket } from "./socket.js";
import { messageOf } from "../session/error-message.js";

export type { SessionDeps, SessionHooks, SessionMode, SessionTimeouts } from "./session-types.js";
export { formatPairingCode } from "./link-prompts.js";

/** A connection open this long counts as stable: its drop starts the reconnect backoff afresh. */
const STABLE_CONNECTION_MS = 60_000;

type Waiter = () => void;

/**
 * One referrer's WhatsApp connection, across the sockets it takes: Baileys' sockets do not
 * reconnect, so each restart or reconnect builds a new one on the same auth state. Sockets are
 * numbered; events of a socket that was replaced are ignored.
 */
export class BaileysSession implements PooledSession {
  private sock: BaileysSocket | null = null;
  private socketAlive = false;
  private generation = 0;
  private started = false;
  /** Set before any close we ask for: Baileys reports our own `end()` as an ordinary close. */
  private stopped = false;
  /** The stored session is being deleted: late writes from the socket must not recreate it. */
  private discarded = false;
  private attempts = 0;
  /** When the current socket opened (clock ms); null while it is not open. */
  private openedAt: number | null = null;
  private restarts = 0;
  /** Our own end of a long-lived socket (see `recycle`): its close opens the next one at once. */
  private recycling = false;
  private qrShownOnSocket = false;
  private cancelBackoff: (() => void) | null = null;
  private readonly inbox: BaileysInbox;
  private readonly restrictions: RestrictionWatch;
  /** The new-chat quota WhatsApp last reported (new-chat-quota.ts). */
  readonly newChatQuota: NewChatQuotaWatch;
  private readonly readiness: ReadinessGate;
  private readonly prompts: LinkPrompts;
  private current: LinkState;
  private readonly waiters = new Set<Waiter>();
  private readonly auth: AuthenticationState;

  constructor(
    private readonly deps: SessionDeps,
    readonly mode: SessionMode,
  ) {
    const { creds, keys } = deps.auth.state;
    const guarded = {
      get: keys.get.bind(keys),
      set: async (data: Parameters<typeof keys.set>[0]) => {
        if (!this.discarded) await keys.set(data);
      },
    };
    // One cache per session, shared by its successive sockets (the keys are the same).
    this.auth = { creds, keys: makeCacheableSignalKeyStore(guarded, deps.baileysLogger, createKeyCache()) };
    this.current = { status: "disconnected", phone: phoneOfJid(creds.me?.id) };
    this.inbox = new BaileysInbox({
      referrerUserId: deps.referrerUserId,
      book: deps.book,
      clock: deps.clock,
      logger: deps.logger,
      lidMapping: () => (this.socketAlive ? (this.sock?.signalRepository?.lidMapping ?? null) : null),
      deliver: (message) => deps.hooks.inbound(message),
    });
    this.newChatQuota = new NewChatQuotaWatch(deps.clock);
    this.restrictions = new RestrictionWatch(deps.clock, () => this.onRestrictionChange(), deps.timeouts.restrictionHoldMs, (info) => this.newChatQuota.onCapping(info));
    const isCurrent = (gen: number) => gen === this.generation && !this.stopped;
    this.readiness = new ReadinessGate({
      referrerUserId: deps.referrerUserId,
      logger: deps.logger,
      timeouts: deps.timeouts,
      inbox: this.inbox,
      restrictions: this.restrictions,
      ready: (gen, sock) => {
        if (!isCurrent(gen) || !this.socketAlive) return;
        this.deps.hooks.connected();
        this.setState({ status: "connected", phone: phoneOfJid(sock.user?.id) ?? this.knownPhone() });
      },
    });
    this.prompts = new LinkPrompts({
      referrerUserId: deps.referrerUserId,
      logger: deps.logger,
      mode,
      pairingMs: deps.timeouts.pairingMs,
      ...(deps.printQrInTerminal ? { printQrInTerminal: deps.printQrInTerminal } : {}),
      isCurrent,
      linked: () => this.linked,
      show: (state) => this.setState(state),
      fail: (state, discard) => this.finish(state, { blockRestore: false, discard }),
    });
  }

  /** WhatsApp's restriction on the account, while one is in force. */
  get restriction(): SenderRestriction | undefined {
    return this.restrictions.current();
  }

  get referrerUserId(): string {
    return this.deps.referrerUserId;
  }

  get addressBook(): AddressBook {
    return this.deps.book;
  }

  get sentMessages(): SentMessageStore {
    return this.deps.sentMessages;
  }

  /** Erasure: the session forgets `phone` (see `forgetContactIn`), in turn with the replies being handled. */
  forget(phone: E164): Promise<void> {
    const keys = this.auth.keys;
    return this.inbox.exclusive(() =>
      forgetContactIn(
        {
          book: this.deps.book,
          keys: {
            get: async (type, ids) => keys.get(type, ids),
            delete: async (type, ids) => keys.set({ [type]: Object.fromEntries(ids.map((id) => [id, null])) }),
          },
          lidMapping: this.socketAlive ? (this.sock?.signalRepository?.lidMapping ?? null) : null,
        },
        phone,
      ),
    );
  }

  /** Asks WhatsApp again about a restriction without a known end (throttled). */
  recheckRestrictions(): void {
    const sock = this.openSocket;
    if (sock) this.readiness.recheck(sock);
  }

  get state(): LinkState {
    const restriction = this.current.status === "connected" ? this.restrictions.current() : undefined;
    const { restriction: _stale, ...state } = this.current;
    return restriction ? { ...state, restriction } : state;
  }

  get linked(): boolean {
    return isLinked(this.deps.auth.state.creds);
  }

  /** True once stopped, by us or on its own. */
  get ended(): boolean {
    return this.stopped;
  }

  /** The socket, only while it can send. */
  get openSocket(): BaileysSocket | null {
    return this.current.status === "connected" && this.socketAlive ? this.sock : null;
  }

  /** Opens the first socket; later calls do nothing. */
  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    this.openNewSocket();
  }

  /** The referrer asked to connect: skip the rest of the backoff wait. */
  reconnectNow(): void {
    if (this.stopped) return;
    this.attempts = 0;
    if (this.cancelBackoff) this.cancelBackoff();
    else if (!this.socketAlive) this.openNewSocket();
  }

  /** Resolves with the state once `done` holds or the session stops; null after `timeoutMs`. */
  waitFor(done: (state: LinkState) => boolean, timeoutMs: number): Promise<LinkState | null> {
    if (done(this.current) || this.stopped) return Promise.resolve(this.state);
    return new Promise((resolve) => {
      const settle = (value: LinkState | null) => {
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve(value);
      };
      const check: Waiter = () => {
        if (done(this.current) || this.stopped) settle(this.state);
      };
      const timer = setTimeout(() => settle(null), timeoutMs);
      timer.unref?.();
      this.waiters.add(check);
    });
  }

  /** How long the current socket has been open (ms); null while none is open. */
  get socketAgeMs(): number | null {
    return this.openedAt === null || this.current.status !== "connected" ? null : this.deps.clock.now().getTime() - this.openedAt;
  }

  /**
   * Replaces a long-lived socket by a new one on the same auth (X5): Baileys' per-socket caches
   * (LID mappings, retry counters, message caches) only empty when the socket ends. Its close
   * flushes the event buffer like any close; the new socket drains the offline backlog like any
   * reconnect before the session is `connected` again.
   */
  recycle(): void {
    const sock = this.sock;
    if (this.stopped || !sock || !this.socketAlive || this.current.status !== "connected") return;
    this.recycling = true;
    this.deps.logger.info({ referrerUserId: this.deps.referrerUserId, ageMs: this.socketAgeMs }, "baileys socket recycled");
    this.setState({ status: "connecting", phone: this.knownPhone(), reason: "renewing a long-lived connection" });
    sock.end(undefined).catch((error) => this.deps.logger.warn({ referrerUserId: this.deps.referrerUserId, err: messageOf(error) }, "baileys socket did not end cleanly"));
  }

  /**
   * Closes the connection; the device stays linked. The replies its socket surfaced while closing
   * are handed over first. The creds are written one last time only while the lease is still
   * ours: the pool also closes sessions whose lease another process took.
   */
  async close(): Promise<void> {
    this.stop();
    await this.endSocket();
    // Replies the socket surfaced up to its end are journaled (and handed over) before close returns.
    await this.inbox.settled();
    if (!this.deps.auth.fenced && !(await this.stillOwned())) this.fence("the session's lease is held by another process");
    await this.persistCreds();
  }

  /** Unlinks the device (when connected) and deletes the stored session. */
  async logout(): Promise<void> {
    this.stop();
    const sock = this.sock;
    if (sock && this.socketAlive && this.current.status === "connected") {
      try {
        await sock.logout();
      } catch (error) {
        this.deps.logger.warn({ referrerUserId: this.deps.referrerUserId, err: messageOf(error) }, "baileys logout failed: the device may stay listed on the phone");
      }
    }
    await this.endSocket();
    await this.discard();
    await this.deps.auth.flush();
  }

  // ----- sockets -----

  private openNewSocket(): void {
    const gen = ++this.generation;
    const { makeSocket, referrerUserId, sessionId, baileysLogger, browser } = this.deps;
    // Said here rather than on the socket's own `connecting` (a tick later), keeping a restart's reason.
    if (this.current.status !== "connecting") this.setState({ status: "connecting", phone: this.knownPhone() });
    let sock: BaileysSocket;
    try {
      const version = this.deps.version();
      const getMessage = async (key: { id?: string | null }) => (key.id ? this.deps.sentMessages.get(key.id) : undefined);
      sock = makeSocket(socketConfig(this.auth, baileysLogger, browser, { ...(version ? { version } : {}), getMessage }), { referrerUserId, sessionId });
    } catch (error) {
      // makeWASocket throws synchronously on a bad configuration: handled like a failed connection.
      queueMicrotask(() => this.onClose(gen, error));
      return;
    }
    this.sock = sock;
    this.socketAlive = true;
    this.qrShownOnSocket = false;
    const { ev } = sock;
    ev.on("creds.update", () => {
      // Baileys merged the update into the creds object already: store the whole object.
      if (this.discarded) return;
      this.deps.auth.saveCreds().catch((error) => this.deps.logger.error({ referrerUserId, err: messageOf(error) }, "baileys creds could not be saved"));
    });
    ev.on("connection.update", (update) => this.onConnectionUpdate(gen, sock, update));
    ev.on("messages.upsert", (upsert) => {
      this.readiness.onActivity();
      this.inbox.onUpsert(upsert);
    });
    ev.on("lid-mapping.update", (mapping) => this.inbox.onMapping(mapping));
    ev.on("message-capping.update", (info) => this.restrictions.onCapping(info));
    ev.on("messages.update", (updates) => {
      this.readiness.onActivity();
      if (this.restrictions.onStatusUpdates(updates)) {
        this.deps.logger.warn({ referrerUserId }, "baileys: WhatsApp refused a message (463, account restricted): sender held");
      }
      for (const receipt of receiptsFromStatusUpdates(updates)) this.deps.hooks.receipt(receipt);
    });
    ev.on("message-receipt.update", (updates) => {
      for (const receipt of receiptsFromUserReceipts(updates)) this.deps.hooks.receipt(receipt);
    });
  }

  private onConnectionUpdate(gen: number, sock: BaileysSocket, update: BaileysEventMap["connection.update"]): void {
    if (update.connection === "close") {
      // Baileys destroys its event buffer right after this event, dropping what it holds
      // (lib/Socket/socket.js:499-507; lib/Utils/event-buffer.js:173-186), and the server had
      // those messages' delivery receipts already (lib/Socket/messages-recv.js:1417): never sent
      // again. Flushed here, whoever closed and whatever socket it is, they reach the inbox.
      sock.ev.flush();
    }
    if (gen !== this.generation) return;
    if (update.connection === "close") {
      this.onClose(gen, update.lastDisconnect?.error);
      return;
    }
    if (this.stopped) return;
    // `qr: undefined` comes with other updates: only a present QR is one.
    if (update.qr) {
      this.qrShownOnSocket = true;
      void this.prompts.onQr(gen, sock, update.qr);
    }
    if (update.reachoutTimeLock) this.restrictions.onTimelock(update.reachoutTimeLock);
    if (update.connection === "open") {
      // The reconnect budget is only given back once the connection proved stable (see onClose):
      // a socket that opens then drops at once must not reconnect forever every 2 s.
      this.openedAt = this.deps.clock.now().getTime();
      this.restarts = 0;
      this.prompts.clear();
    }
    this.readiness.onUpdate(gen, sock, update);
  }

  private onRestrictionChange(): void {
    if (this.stopped || this.current.status !== "connected") return;
    const restriction = this.restrictions.current();
    this.deps.logger.warn({ referrerUserId: this.deps.referrerUserId, restricted: Boolean(restriction), until: restriction?.until?.toISOString() ?? null }, "baileys account restriction changed");
    this.publish(this.state);
  }

  private onClose(gen: number, error: unknown): void {
    if (gen !== this.generation) return;
    this.socketAlive = false;
    if (this.stopped) return;
    if (this.recycling) {
      this.recycling = false;
      this.openedAt = null;
      this.openNewSocket();
      return;
    }
    const statusCode = statusCodeOf(error);
    if (statusCode === CLIENT_TOO_OLD) this.deps.versionRejected();
    if (this.openedAt !== null && this.deps.clock.now().getTime() - this.openedAt >= STABLE_CONNECTION_MS) this.attempts = 0;
    this.openedAt = null;
    const action = decideOnClose({
      statusCode,
      linked: this.linked,
      linkMethod: this.mode.kind === "pairing_code" ? "pairing_code" : "qr",
      qrShown: this.qrShownOnSocket,
      attempts: this.attempts,
      restarts: this.restarts,
      settings: this.deps.reconnect,
      ...(this.deps.random ? { random: this.deps.random } : {}),
    });
    this.deps.logger.info({ referrerUserId: this.deps.referrerUserId, statusCode, err: error === undefined ? undefined : messageOf(error), action: action.kind }, "baileys connection closed");
    const phone = this.knownPhone();
    switch (action.kind) {
      case "restart":
        this.restarts++;
        this.setState({ status: "connecting", phone, reason: action.reason });
        this.openNewSocket();
        return;
      case "retry":
        this.attempts = action.attempt;
        // A reconnect is scheduled: the session is on its way back, not down. `ensureReady` waits
        // for it, and dispatch holds quietly instead of telling the referrer the sender is down.
        this.setState({ status: "connecting", phone, reason: action.reason });
        this.reconnectAfter(action.delayMs);
        return;
      case "logged_out":
        void this.finish({ status: "logged_out", phone: null, reason: action.reason }, { blockRestore: false, discard: true });
        return;
      case "stop":
        if (action.replaced) this.fence("replaced by another connection");
        // A link that never completed leaves creds that are useless, or harmful when a pairing
        // code set `me` (the next socket would try to log in instead of showing a QR).
        void this.finish({ status: action.status, phone: this.linked ? phone : null, reason: action.reason }, { blockRestore: action.blockRestore, discard: !this.linked, gaveUp: action.gaveUp === true });
        return;
    }
  }

  private reconnectAfter(delayMs: number): void {
    // A stop or a connect cuts the wait short.
    const { done, cancel } = cancellableWait(this.deps.clock, delayMs);
    this.cancelBackoff = cancel;
    void done.then(() => {
      if (this.cancelBackoff === cancel) this.cancelBackoff = null;
      if (!this.stopped && !this.socketAlive) this.openNewSocket();
    });
  }

  // ----- state -----

  private async finish(state: LinkState, options: { blockRestore: boolean; discard: boolean; gaveUp?: boolean }): Promise<void> {
    // Waiters are told once the final state is there, not with the state being left.
    this.stop({ notify: false });
    this.prompts.clear();
    void this.endSocket();
    if (options.discard) {
      try {
        await this.discard();
      } catch (error) {
        this.deps.logger.error({ referrerUserId: this.deps.referrerUserId, err: messageOf(error) }, "stored baileys session could not be deleted");
      }
    }
    // A give-up's reason says when the next try is (the transport's cooldown): asked before publishing.
    const shown = options.gaveUp ? { ...state, reason: this.deps.hooks.gaveUp(state.reason ?? "gave up reconnecting") } : state;
    this.publish(shown);
    this.deps.hooks.ended({ blockRestore: options.blockRestore });
  }

  private stop(options: { notify: boolean } = { notify: true }): void {
    this.stopped = true;
    this.cancelBackoff?.();
    if (options.notify) this.notifyWaiters();
  }

  private async endSocket(): Promise<void> {
    const sock = this.sock;
    if (!sock || !this.socketAlive) return;
    this.socketAlive = false;
    try {
      await sock.end(undefined);
    } catch (error) {
      this.deps.logger.warn({ referrerUserId: this.deps.referrerUserId, err: messageOf(error) }, "baileys socket did not end cleanly");
    }
  }

  /**
   * Another driver owns the stored session now: nothing of ours is written any more, neither the
   * creds (its pre-key counters are ahead of ours) nor signal keys from a socket still winding down.
   */
  private fence(why: string): void {
    if (this.deps.auth.fenced) return;
    this.deps.auth.fence();
    this.deps.logger.warn({ referrerUserId: this.deps.referrerUserId, why }, "baileys session stops writing its stored creds and keys");
  }

  private async stillOwned(): Promise<boolean> {
    try {
      return await this.deps.hooks.ownsLease();
    } catch (error) {
      // Unknown (storage down): the final write is attempted as before; it most likely fails too.
      this.deps.logger.warn({ referrerUserId: this.deps.referrerUserId, err: messageOf(error) }, "baileys session lease could not be read on close");
      return true;
    }
  }

  /** The creds as they are now, written, and every queued write done: nothing lost on shutdown. */
  private async persistCreds(): Promise<void> {
    if (this.discarded || this.deps.auth.fenced) return;
    try {
      await this.deps.auth.saveCreds();
      await this.deps.auth.flush();
    } catch (error) {
      this.deps.logger.error({ referrerUserId: this.deps.referrerUserId, err: messageOf(error) }, "baileys creds could not be saved on close");
    }
  }

  private async discard(): Promise<void> {
    this.discarded = true;
    await this.deps.auth.clear();
  }

  private setState(state: LinkState): void {
    if (this.stopped) return;
    this.publish(state);
  }

  private publish(state: LinkState): void {
    this.current = state;
    this.deps.hooks.state({ ...state });
    this.notifyWaiters();
  }

  private notifyWaiters(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  private knownPhone(): E164 | null {
    return phoneOfJid(this.deps.auth.state.creds.me?.id) ?? this.current.phone;
  }
}

/** WhatsApp's answer to a client whose version it no longer accepts. */
const CLIENT_TOO_OLD = 405;
