import { makeCacheableSignalKeyStore, type AuthenticationState, type BaileysEventMap, type WABrowserDescription, type WAVersion } from "@whiskeysockets/baileys";
import { phoneDigits, type Clock, type E164, type LinkState, type Logger, type SenderRestriction } from "@relance/core";
import type { PooledSession } from "../pool/session-pool";
import { qrDataUrl, qrTerminal } from "../../qr/render-qr";
import type { StorageAuthState } from "./auth-state";
import type { AddressBook } from "./address-book";
import { cancellableWait } from "./cancellable-wait";
import { decideOnClose, formatSeconds, type ReconnectSettings } from "./disconnect-policy";
import { receiptsFromStatusUpdates, receiptsFromUserReceipts, type InboundText, type ReceiptUpdate } from "./events";
import { BaileysInbox } from "./inbox";
import { phoneOfJid } from "./jid";
import { createKeyCache } from "./key-cache";
import type { BaileysLogger } from "./logger";
import { RestrictionWatch } from "./restrictions";
import type { SentMessageStore } from "./sent-messages";
import { isLinked, socketConfig, statusCodeOf, type BaileysSocket, type MakeBaileysSocket } from "./socket";

/** A connection open this long counts as stable: its drop starts the reconnect backoff afresh. */
const STABLE_CONNECTION_MS = 60_000;

/** How the session was started: a new link (QR or pairing code), or a stored link brought back. */
export type SessionMode = { kind: "qr" } | { kind: "pairing_code"; phone: E164 } | { kind: "restore" };

export interface SessionHooks {
  state(state: LinkState): void;
  inbound(message: InboundText): void;
  receipt(receipt: ReceiptUpdate): void;
  /** The session stopped on its own (logged out, replaced, gave up): take it out of the pool. */
  ended(outcome: { blockRestore: boolean }): void;
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
  /** Longest time from a QR or pairing code shown to the phone completing the link. */
  pairingMs: number;
  /** How long error 463 holds the sender. */
  restrictionHoldMs: number;
  /** Longest wait for WhatsApp's answer on the account's restrictions when a socket opens. */
  restrictionCheckMs: number;
}

type Waiter = () => void;

/** A restriction without an end is asked about again at most this often. */
const RESTRICTION_RECHECK_MS = 15 * 60_000;

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
  private pairingRequested = false;
  private qrShownOnSocket = false;
  private latestQr: string | null = null;
  private cancelBackoff: (() => void) | null = null;
  /** Generation of the socket that opened, and of the one whose offline backlog was handled. */
  private openGeneration = 0;
  private drainedGeneration = 0;
  private readyGeneration = 0;
  private pairingTimer: ReturnType<typeof setTimeout> | null = null;
  private lastRestrictionCheck = 0;
  private readonly inbox: BaileysInbox;
  private readonly restrictions: RestrictionWatch;
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
    this.restrictions = new RestrictionWatch(deps.clock, () => this.onRestrictionChange(), deps.timeouts.restrictionHoldMs);
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

  /** Asks WhatsApp again about a restriction without a known end (at most every `restrictionCheckMs`). */
  recheckRestrictions(): void {
    const sock = this.openSocket;
    if (!sock || !this.restrictions.openEnded) return;
    if (Date.now() - this.lastRestrictionCheck < RESTRICTION_RECHECK_MS) return;
    void this.checkRestrictions(sock);
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

  /** Closes the connection; the device stays linked. */
  async close(): Promise<void> {
    this.stop();
    await this.endSocket();
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
    ev.on("messages.upsert", (upsert) => this.inbox.onUpsert(upsert));
    ev.on("lid-mapping.update", (mapping) => this.inbox.onMapping(mapping));
    ev.on("message-capping.update", (info) => this.restrictions.onCapping(info));
    ev.on("messages.update", (updates) => {
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
    if (gen !== this.generation) return;
    if (update.connection === "close") {
      this.onClose(gen, update.lastDisconnect?.error);
      return;
    }
    if (this.stopped) return;
    // `qr: undefined` comes with other updates: only a present QR is one.
    if (update.qr) {
      this.qrShownOnSocket = true;
      void this.onQr(gen, sock, update.qr);
    }
    if (update.reachoutTimeLock) this.restrictions.onTimelock(update.reachoutTimeLock);
    if (update.connection === "open") {
      // The reconnect budget is only given back once the connection proved stable (see onClose):
      // a socket that opens then drops at once must not reconnect forever every 2 s.
      this.openedAt = this.deps.clock.now().getTime();
      this.restarts = 0;
      this.openGeneration = gen;
      this.clearPairingTimer();
      this.startDrainFallback(gen, sock);
    }
    // Baileys emits `open` before the messages that arrived while we were away: they are buffered
    // until the server's `ib offline` stanza, then flushed, then `receivedPendingNotifications`
    // (lib/Socket/socket.js:821-841). Ready before that, dispatch could send today's message to
    // someone whose STOP is sitting in that backlog.
    if (update.receivedPendingNotifications === true) this.drainedGeneration = gen;
    if (this.openGeneration === gen && this.drainedGeneration === gen) void this.becomeReady(gen, sock);
  }

  /** The socket is open and its offline backlog handled: check restrictions, then say connected. */
  private async becomeReady(gen: number, sock: BaileysSocket): Promise<void> {
    if (this.readyGeneration === gen) return;
    this.readyGeneration = gen;
    // One tick for the handlers of the flushed events, then until their replies are handed over.
    await new Promise((resolve) => setImmediate(resolve));
    this.inbox.retry();
    await this.inbox.settled();
    await this.checkRestrictions(sock);
    if (gen !== this.generation || this.stopped || !this.socketAlive) return;
    this.setState({ status: "connected", phone: phoneOfJid(sock.user?.id) ?? this.knownPhone() });
  }

  /** A server that never says the backlog is done must not keep the session from sending forever. */
  private startDrainFallback(gen: number, sock: BaileysSocket): void {
    const timer = setTimeout(() => {
      if (gen !== this.generation || this.stopped || this.readyGeneration === gen) return;
      this.deps.logger.warn({ referrerUserId: this.deps.referrerUserId }, `baileys: no end of the offline backlog within ${formatSeconds(this.deps.timeouts.offlineDrainMs)}: ready anyway`);
      void this.becomeReady(gen, sock);
    }, this.deps.timeouts.offlineDrainMs);
    timer.unref?.();
  }

  /** Asks WhatsApp whether the account is time-locked or capped; bounded, failures only logged. */
  private async checkRestrictions(sock: BaileysSocket): Promise<void> {
    const { referrerUserId, logger, timeouts } = this.deps;
    this.lastRestrictionCheck = Date.now();
    const checks = Promise.allSettled([
      // Its answer comes back as `connection.update.reachoutTimeLock` (lib/Socket/socket.js:906-916).
      sock.fetchAccountReachoutTimelock(),
      sock.fetchNewChatMessageCap().then((info) => this.restrictions.onCapping(info as Parameters<RestrictionWatch["onCapping"]>[0])),
    ]).then((results) => {
      for (const result of results) {
        if (result.status === "rejected") logger.debug({ referrerUserId, err: messageOf(result.reason) }, "baileys restriction check failed");
      }
    });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeouts.restrictionCheckMs);
      timer.unref?.();
    });
    await Promise.race([checks, timeout]);
    clearTimeout(timer);
  }

  private onRestrictionChange(): void {
    if (this.stopped || this.current.status !== "connected") return;
    const restriction = this.restrictions.current();
    this.deps.logger.warn({ referrerUserId: this.deps.referrerUserId, restricted: Boolean(restriction), until: restriction?.until?.toISOString() ?? null }, "baileys account restriction changed");
    this.publish(this.state);
  }

  private async onQr(gen: number, sock: BaileysSocket, qr: string): Promise<void> {
    const { referrerUserId, logger } = this.deps;
    if (this.mode.kind === "pairing_code") {
      // The socket is up once it shows a QR; later QRs leave the code on screen.
      if (this.pairingRequested || this.linked) return;
      this.pairingRequested = true;
      const phone = this.mode.phone;
      try {
        const code = await sock.requestPairingCode(phoneDigits(phone));
        if (gen !== this.generation || this.stopped) return;
        this.setState({ status: "pending_pairing", phone, pairingCode: formatPairingCode(code) });
        this.startPairingTimer(gen);
      } catch (error) {
        logger.warn({ referrerUserId, err: messageOf(error) }, "baileys pairing code request failed");
        await this.finish({ status: "failed", phone: null, reason: `WhatsApp gave no pairing code: ${messageOf(error)}` }, { blockRestore: false, discard: !this.linked });
      }
      return;
    }
    this.latestQr = qr;
    let dataUrl: string | undefined;
    try {
      dataUrl = await qrDataUrl(qr);
    } catch (error) {
      logger.warn({ referrerUserId, err: messageOf(error) }, "QR could not be rendered as PNG");
    }
    // Rendering is asynchronous: a newer QR, or the end of the link, may have come meanwhile.
    if (gen !== this.generation || this.stopped || this.latestQr !== qr) return;
    this.setState({ status: "pending_qr", phone: null, qr: dataUrl ? { text: qr, dataUrl } : { text: qr } });
    this.startPairingTimer(gen);
    const print = this.deps.printQrInTerminal;
    if (print) {
      qrTerminal(qr).then(print, (error: unknown) => logger.warn({ referrerUserId, err: messageOf(error) }, "QR could not be drawn for the terminal"));
    }
  }

  /**
   * WhatsApp never tells a companion that the code was not typed, nor that it refused the link: a
   * link with no `pair-success` in time ends with a reason instead of showing a dead code.
   */
  private startPairingTimer(gen: number): void {
    if (this.pairingTimer) return;
    const ms = this.deps.timeouts.pairingMs;
    this.pairingTimer = setTimeout(() => {
      this.pairingTimer = null;
      if (gen !== this.generation || this.stopped || this.linked) return;
      const what = this.mode.kind === "pairing_code" ? "the pairing code was not entered on the phone" : "the QR code was not scanned";
      this.deps.logger.info({ referrerUserId: this.deps.referrerUserId }, "baileys link timed out");
      void this.finish({ status: "failed", phone: null, reason: `${what} within ${formatSeconds(ms)}: start again` }, { blockRestore: false, discard: true });
    }, ms);
    this.pairingTimer.unref?.();
  }

  private clearPairingTimer(): void {
    if (this.pairingTimer) clearTimeout(this.pairingTimer);
    this.pairingTimer = null;
  }

  private onClose(gen: number, error: unknown): void {
    if (gen !== this.generation) return;
    this.socketAlive = false;
    if (this.stopped) return;
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
        this.setState({ status: "disconnected", phone, reason: action.reason });
        this.reconnectAfter(action.delayMs);
        return;
      case "logged_out":
        void this.finish({ status: "logged_out", phone: null, reason: action.reason }, { blockRestore: false, discard: true });
        return;
      case "stop":
        // A link that never completed leaves creds that are useless, or harmful when a pairing
        // code set `me` (the next socket would try to log in instead of showing a QR).
        void this.finish({ status: action.status, phone: this.linked ? phone : null, reason: action.reason }, { blockRestore: action.blockRestore, discard: !this.linked });
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

  private async finish(state: LinkState, options: { blockRestore: boolean; discard: boolean }): Promise<void> {
    // Waiters are told once the final state is there, not with the state being left.
    this.stop({ notify: false });
    this.clearPairingTimer();
    void this.endSocket();
    if (options.discard) {
      try {
        await this.discard();
      } catch (error) {
        this.deps.logger.error({ referrerUserId: this.deps.referrerUserId, err: messageOf(error) }, "stored baileys session could not be deleted");
      }
    }
    this.publish(state);
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

  /** The creds as they are now, written, and every queued write done: nothing lost on shutdown. */
  private async persistCreds(): Promise<void> {
    if (this.discarded) return;
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

/** `ABCD1234` → `ABCD-1234`, as WhatsApp shows it on the phone. */
export function formatPairingCode(code: string): string {
  const compact = code.replace(/[^A-Za-z0-9]/g, "").toUpperCase();
  return compact.length === 8 ? `${compact.slice(0, 4)}-${compact.slice(4)}` : compact;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
