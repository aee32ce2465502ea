import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import {
  SessionDrivenElsewhereError,
  TransportUnavailableError,
  ValidationError,
  silentLogger,
  type Clock,
  type E164,
  type LeaseRepository,
  type LinkMethod,
  type LinkState,
  type Logger,
  type OutgoingMessage,
  type PresenceState,
  type SendContext,
  type SendResult,
  type SessionRepository,
  type Transport,
  type TransportEvent,
} from "@relance/core";
import { SystemClock } from "../../clock/system-clock.js";
import type { SessionCipher } from "../../crypto/session-cipher.js";
import { qrDataUrl } from "../../qr/render-qr.js";
import { SessionPool, type PooledSession } from "../pool/session-pool.js";
import { destroyClient } from "./browser-teardown.js";
import { createRealWwebjsClient, type CreateWwebjsClient, type WwebjsClient } from "./client-factory.js";
import { deferred, withTimeout, type Deferred } from "./deferred.js";
import { blocksRestore, describe, initFailureState, isLidJid, phoneOfUserJid, receiptStatus, stateAfterChange, stateAfterDisconnect } from "./events.js";
import { Inbox } from "./inbox.js";
import type { Message, MessageAck } from "./library.js";
import { createMediaLoader, type LoadMedia } from "./media.js";
import type { WwebjsTransportOptions } from "./options.js";
import { sendDay } from "./send.js";
import { RESTORE_REFUSED_KEY, SessionBook } from "./session-book.js";
import { clientIdOf, sessionIdOf } from "./session-ids.js";
import { ARCHIVE_KEY, CLOSED_BY_REFERRER_KEY, closedByReferrerValue, createRemoteAuthStore, type RemoteAuthStore } from "./remote-auth-store.js";

export type { WwebjsTransportOptions } from "./options.js";

const RESTORE_REFUSED_REASON = "WhatsApp Web asked to link again when restoring the stored session: link the account again";

type Purpose = { kind: "link"; method: LinkMethod; phone: E164 | null } | { kind: "restore"; generation?: "previous" };

/** One whatsapp-web.js client (one Chromium) driven for one referrer. */
interface Live extends PooledSession {
  readonly referrerUserId: string;
  readonly purpose: Purpose;
  readonly client: WwebjsClient;
  readonly store: RemoteAuthStore;
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
class RestoreRefused extends Error {
  constructor() {
    super("WhatsApp Web asked to link again while restoring the session");
  }
}

/** A link attempt ended before its first state; the state says why. */
class LinkEnded extends Error {
  constructor(readonly state: LinkState) {
    super(state.reason ?? state.status);
  }
}

/**
 * whatsapp-web.js transport: each referrer's session is a headless Chromium running WhatsApp
 * Web, its profile archived (encrypted) in the session repository by RemoteAuth, kept warm by
 * the session pool under a lease so that one process drives it at a time.
 */
export class WwebjsTransport implements Transport {
  readonly name = "wwebjs";
  readonly capabilities: { presence: boolean; pairingCode: boolean; maxSessions: number };

  private readonly states = new Map<string, LinkState>();
  private readonly current = new Map<string, Live>();
  /** Sessions ensureReady leaves alone until the referrer connects again (replaced, blocked). */
  private readonly blocked = new Set<string>();
  private readonly listeners = new Set<(event: TransportEvent) => void>();
  private readonly pending = new Set<Promise<unknown>>();
  private readonly pool: SessionPool<Live>;
  private readonly sessions: SessionRepository;
  private readonly leases: LeaseRepository;
  private readonly cipher: SessionCipher;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly instanceId: string;
  private readonly chromiumPath: string;
  private readonly chromiumArgs: readonly string[];
  private readonly dataPath: string;
  private readonly createClient: CreateWwebjsClient;
  private readonly loadMedia: LoadMedia;
  private readonly initTimeoutMs: number;
  private readonly linkWaitMs: number;
  private readonly destroyTimeoutMs: number;
  private readonly options: WwebjsTransportOptions;
  private closed = false;

  constructor(options: WwebjsTransportOptions) {
    this.sessions = options.sessions;
    this.leases = options.leases;
    this.cipher = options.cipher;
    this.clock = options.clock ?? new SystemClock();
    this.logger = options.logger ?? silentLogger;
    this.instanceId = options.instanceId ?? `${hostname()}:${process.pid}`;
    this.chromiumPath = options.chromiumPath ?? process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
    this.chromiumArgs = options.chromiumArgs ?? [];
    this.dataPath = options.dataPath ?? join(tmpdir(), "relance-wwebjs");
    this.createClient = options.createClient ?? createRealWwebjsClient;
    this.options = options;
    this.loadMedia =
      options.loadMedia ??
      createMediaLoader({
        ...(options.mediaTimeoutMs === undefined ? {} : { timeoutMs: options.mediaTimeoutMs }),
        ...(options.mediaMaxBytes === undefined ? {} : { maxBytes: options.mediaMaxBytes }),
        ...(options.mediaAllowHosts === undefined ? {} : { allowHosts: options.mediaAllowHosts }),
      });
    const maxSessions = options.maxSessions ?? 5;
    this.capabilities = { presence: true, pairingCode: true, maxSessions };
    this.initTimeoutMs = options.initTimeoutMs ?? 60_000;
    this.linkWaitMs = options.linkWaitMs ?? 3 * 60_000;
    this.destroyTimeoutMs = options.destroyTimeoutMs ?? 10_000;
    this.pool = new SessionPool<Live>({
      name: this.name,
      leases: this.leases,
      clock: this.clock,
      instanceId: this.instanceId,
      maxSessions,
      // A Chromium is about 300 MB: past the cap the process would run out of memory.
      overflow: "refuse",
      idleTimeoutMs: options.idleTimeoutMs ?? 30 * 60_000,
      ...(options.evictionGraceMs === undefined ? {} : { evictionGraceMs: options.evictionGraceMs }),
      logger: this.logger,
      onClosed: (referrerUserId, why) => this.onPoolClosed(referrerUserId, why),
    });
    this.pool.startMaintenance();
  }

  // ----- Transport port -----

  async connect(referrerUserId: string, options: { method: LinkMethod; phone?: E164 }): Promise<LinkState> {
    this.assertOpen();
    if (options.method === "pairing_code" && !options.phone) {
      throw new ValidationError("[wwebjs] linking by pairing code needs the referrer's phone number");
    }
    const existing = this.current.get(referrerUserId);
    if (existing) {
      await existing.firstState.promise.catch(() => undefined);
      if (this.isCurrent(existing)) {
        const state = this.getState(referrerUserId);
        if (state.status === "connected" || isLinkInProgress(existing, options, state)) return state;
        this.detach(existing);
        await this.shutDown(existing);
      }
    }
    this.blocked.delete(referrerUserId);
    return this.open(referrerUserId, { kind: "link", method: options.method, phone: options.phone ?? null });
  }

  async disconnect(referrerUserId: string, options: { logout: boolean }): Promise<LinkState> {
    this.assertOpen();
    const sessionId = sessionIdOf(referrerUserId);
    if (!options.logout) {
      // Stored first: even if closing fails, ensureReady must not bring the session back.
      await this.sessions.set(sessionId, { [CLOSED_BY_REFERRER_KEY]: closedByReferrerValue(this.cipher, sessionId, this.clock.now()) });
      const { phone } = this.getState(referrerUserId);
      const live = this.current.get(referrerUserId);
      if (live) {
        this.detach(live);
        await this.shutDown(live);
      }
      this.setState(referrerUserId, { status: "disconnected", phone, reason: "disconnected by the referrer" });
      return this.getState(referrerUserId);
    }

    let live = this.current.get(referrerUserId);
    if (live) await live.firstState.promise.catch(() => undefined);
    if (!live || !this.isCurrent(live)) {
      // Unlinking the device needs WhatsApp Web running: restore the session just to log it out.
      if (await this.hasStoredArchive(sessionId)) await this.open(referrerUserId, { kind: "restore" });
      live = this.current.get(referrerUserId);
    }
    if (live) {
      this.detach(live);
      live.store.allowDeletion();
      live.store.stopWriting();
      if (live.ready) {
        await withTimeout(live.client.logout(), this.destroyTimeoutMs).catch((error: unknown) => {
          this.logger.warn({ referrerUserId, err: describe(error) }, "whatsapp-web.js logout failed; the stored session is deleted anyway");
        });
      }
      await this.shutDown(live);
    }
    await this.sessions.clear(sessionId);
    this.blocked.delete(referrerUserId);
    this.setState(referrerUserId, { status: "logged_out", phone: null, reason: "logged out by the referrer" });
    return this.getState(referrerUserId);
  }

  getState(referrerUserId: string): LinkState {
    const state = this.states.get(referrerUserId) ?? { status: "disconnected", phone: null };
    return { ...state, ...(state.qr ? { qr: { ...state.qr } } : {}) };
  }

  async ensureReady(referrerUserId: string): Promise<LinkState> {
    this.assertOpen();
    const live = this.current.get(referrerUserId);
    if (live) {
      await live.firstState.promise.catch(() => undefined);
      if (this.isCurrent(live)) this.pool.get(referrerUserId);
      return this.getState(referrerUserId);
    }
    // "Replaced by another connection" is the normal end of a takeover by another instance of
    // ours: that one drives the session now, so this is no outage to hold and report.
    if (this.blocked.has(referrerUserId)) {
      if (await this.pool.heldElsewhere(referrerUserId)) {
        throw new SessionDrivenElsewhereError(`[wwebjs] the session of ${referrerUserId} is driven by another process`);
      }
      return this.getState(referrerUserId);
    }
    const stored = await this.sessions.get(sessionIdOf(referrerUserId), [ARCHIVE_KEY, CLOSED_BY_REFERRER_KEY]);
    if (stored[ARCHIVE_KEY] === undefined || stored[CLOSED_BY_REFERRER_KEY] !== undefined) return this.getState(referrerUserId);
    // WhatsApp refused it: another try would start a Chromium to be shown a QR again. Kept, not
    // deleted (a torn backup or a passing glitch is no unlink); linking again replaces it.
    if (await this.bookOf(referrerUserId).restoreRefusedAt()) {
      const state = this.getState(referrerUserId);
      return state.status === "logged_out" ? state : { status: "logged_out", phone: null, reason: RESTORE_REFUSED_REASON };
    }
    return this.open(referrerUserId, { kind: "restore" });
  }

  async isOnWhatsApp(referrerUserId: string, phone: E164): Promise<boolean> {
    const live = this.requireConnected(referrerUserId);
    let id;
    try {
      id = await live.client.getNumberId(phone.replace(/^\+/, ""));
    } catch (error) {
      throw this.failure(live, `number check of ${phone}`, error);
    }
    // WhatsApp's id can differ from the number (Brazil's 9th digit): it is the one to write to,
    // and the one replies come from.
    if (id) this.background(live.inbox.rememberCanonical(phone, id._serialized), "could not keep the WhatsApp id of a number");
    return id !== null;
  }

  async sendPresence(referrerUserId: string, state: PresenceState, to?: E164): Promise<void> {
    const live = this.requireConnected(referrerUserId);
    try {
      if (!to) {
        await (state === "available" ? live.client.sendPresenceAvailable() : live.client.sendPresenceUnavailable());
        return;
      }
      const chat = await live.client.getChatById(await live.inbox.chatIdOf(to));
      await (state === "composing" ? chat.sendStateTyping() : chat.clearState());
    } catch (error) {
      throw this.failure(live, `presence ${state}${to ? ` to ${to}` : ""}`, error);
    }
  }

  async send(referrerUserId: string, message: OutgoingMessage, context: SendContext): Promise<SendResult> {
    const live = this.requireConnected(referrerUserId);
    try {
      const chatId = await live.inbox.chatIdOf(message.to);
      return await sendDay({
        client: live.client,
        chatId,
        loadMedia: this.loadMedia,
        message,
        context,
        stillConnected: () => this.isCurrent(live) && this.getState(referrerUserId).status === "connected",
        afterText: () => this.background(live.inbox.afterSend(chatId), "could not match waiting LID replies"),
      });
    } catch (error) {
      throw this.failure(live, `send to ${message.to}`, error);
    }
  }

  subscribe(listener: (event: TransportEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const referrerUserId of this.current.keys()) {
      const { phone } = this.getState(referrerUserId);
      this.states.set(referrerUserId, { status: "disconnected", phone, reason: "this server closed the session; it stays linked" });
    }
    const opening = [...this.current.values()].filter((live) => !live.firstState.settled);
    for (const live of opening) {
      this.detach(live);
      live.firstState.reject(new LinkEnded({ status: "disconnected", phone: null, reason: "the transport is closing" }));
    }
    await this.pool.closeAll();
    const remaining = [...this.current.values(), ...opening];
    this.current.clear();
    await Promise.allSettled(remaining.map((live) => this.closeLive(live)));
    await this.idle();
    this.listeners.clear();
  }

  // ----- beyond the port -----

  /** Renews leases and closes idle sessions now (also done on a timer). */
  maintain(): Promise<void> {
    return this.pool.maintain();
  }

  /** Resolves once the background work started so far (storage writes, teardowns) is done. */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  // ----- sessions -----

  /** Opens a client through the pool; resolves with the first state worth showing. */
  private async open(referrerUserId: string, purpose: Purpose): Promise<LinkState> {
    try {
      const acquiring = this.pool.acquire(referrerUserId, () => this.start(referrerUserId, purpose));
      acquiring.then(
        (live) => live.pooled.resolve(true),
        () => undefined,
      );
      await acquiring;
    } catch (error) {
      if (error instanceof RestoreRefused) return this.afterRestoreRefused(referrerUserId, purpose);
      if (error instanceof LinkEnded) return this.getState(referrerUserId);
      throw error;
    }
    return this.getState(referrerUserId);
  }

  /**
   * The newest backup was refused: the one before it is tried. When none is left the referrer
   * must link again; the stored session is kept (only a logout deletes it) but not restored again.
   */
  private async afterRestoreRefused(referrerUserId: string, purpose: Purpose): Promise<LinkState> {
    if (purpose.kind === "restore" && purpose.generation === undefined && (await this.previousBackupOf(referrerUserId))) {
      this.logger.warn({ referrerUserId }, "whatsapp-web.js refused the newest session backup: trying the previous one");
      return this.open(referrerUserId, { kind: "restore", generation: "previous" });
    }
    await this.bookOf(referrerUserId).setRestoreRefused(this.clock.now());
    this.setState(referrerUserId, { status: "logged_out", phone: null, reason: RESTORE_REFUSED_REASON });
    return this.getState(referrerUserId);
  }

  private async previousBackupOf(referrerUserId: string): Promise<boolean> {
    const probe = createRemoteAuthStore({
      sessions: this.sessions,
      cipher: this.cipher,
      sessionId: sessionIdOf(referrerUserId),
      sessionName: `RemoteAuth-${clientIdOf(referrerUserId)}`,
      dataPath: this.dataPath,
    });
    return probe.hasPrevious().catch(() => false);
  }

  private bookOf(referrerUserId: string): SessionBook {
    return new SessionBook(this.sessions, this.cipher, sessionIdOf(referrerUserId));
  }

  /** Called by the pool once this process holds the lease. */
  private async start(referrerUserId: string, purpose: Purpose): Promise<Live> {
    const sessionId = sessionIdOf(referrerUserId);
    const clientId = clientIdOf(referrerUserId);
    const { phone } = this.getState(referrerUserId);
    const store = createRemoteAuthStore({
      sessions: this.sessions,
      cipher: this.cipher,
      sessionId,
      sessionName: `RemoteAuth-${clientId}`,
      dataPath: this.dataPath,
      ...(purpose.kind === "restore" && purpose.generation ? { generation: purpose.generation } : {}),
      logger: this.logger,
    });
    let client: WwebjsClient;
    try {
      client = this.createClient({
        referrerUserId,
        clientId,
        store,
        dataPath: this.dataPath,
        chromiumPath: this.chromiumPath,
        chromiumArgs: this.chromiumArgs,
        ...(this.options.backupIntervalMs === undefined ? {} : { backupIntervalMs: this.options.backupIntervalMs }),
        ...(this.options.webVersion === undefined ? {} : { webVersion: this.options.webVersion }),
        logger: this.logger,
        ...(purpose.kind === "link" && purpose.method === "pairing_code" && purpose.phone
          ? { pairWithPhoneNumber: { phoneNumber: purpose.phone.replace(/^\+/, "") } }
          : {}),
      });
    } catch (error) {
      const state: LinkState = { status: "failed", phone, reason: `WhatsApp Web could not be started: ${describe(error)}` };
      this.setState(referrerUserId, state);
      throw new LinkEnded(state);
    }

    let resolvePooled!: (pooled: boolean) => void;
    const pooled = new Promise<boolean>((resolve) => (resolvePooled = resolve));
    const live: Live = {
      referrerUserId,
      purpose,
      client,
      store,
      inbox: new Inbox({
        referrerUserId,
        client,
        book: this.bookOf(referrerUserId),
        clock: this.clock,
        logger: this.logger,
        ...(this.options.activeContacts ? { activeContacts: this.options.activeContacts } : {}),
        messagesPerChat: this.options.catchUpMessagesPerChat ?? 50,
        firstLookbackMs: this.options.catchUpFirstLookbackMs ?? 7 * 24 * 3600_000,
        emit: (from, text, at) => this.emit({ type: "inbound", referrerUserId, from, text, at }),
        isOpen: () => this.isCurrent(live),
      }),
      firstState: deferred(),
      pooled: { promise: pooled, resolve: resolvePooled },
      initializing: true,
      ready: false,
      caughtUp: false,
      ended: false,
      qrSequence: 0,
      closing: null,
      close: () => this.closeLive(live),
    };
    this.current.set(referrerUserId, live);
    this.listen(live);
    this.setState(referrerUserId, { status: "connecting", phone });

    // Up to `ready`: the catch-up that follows has its own limit.
    const timer = setTimeout(() => {
      if (!live.ready) this.end(live, this.timeoutState(purpose, phone));
    }, this.initTimeoutMs);
    const initialization = (async () => client.initialize())();
    initialization
      .catch((error: unknown) => this.end(live, initFailureState(error, phone)))
      .finally(() => (live.initializing = false));
    try {
      await live.firstState.promise;
    } catch (error) {
      live.pooled.resolve(false);
      await this.closeLive(live);
      throw error;
    } finally {
      clearTimeout(timer);
    }
    return live;
  }

  /**
   * This live is no longer the referrer's session. With `forgetStoredSession` (a logout), the
   * stored session is deleted and the client may no longer write it.
   */
  private end(live: Live, state: LinkState, options: { forgetStoredSession?: boolean } = {}): void {
    if (!this.isCurrent(live)) return;
    this.detach(live);
    if (options.forgetStoredSession) {
      live.store.allowDeletion();
      live.store.stopWriting();
      this.background(this.sessions.clear(sessionIdOf(live.referrerUserId)), "could not delete a logged-out session");
    }
    this.setState(live.referrerUserId, state);
    if (!live.firstState.settled) live.firstState.reject(new LinkEnded(state));
    else this.background(this.shutDown(live), "whatsapp-web.js session teardown failed");
  }

  private detach(live: Live): void {
    live.ended = true;
    if (this.current.get(live.referrerUserId) === live) this.current.delete(live.referrerUserId);
  }

  /** Closes a live session, through the pool when it holds it (which also gives the lease back). */
  private async shutDown(live: Live): Promise<void> {
    const pooled = live.firstState.settled ? await live.pooled.promise : false;
    if (pooled && this.pool.get(live.referrerUserId) === live) await this.pool.release(live.referrerUserId);
    else await this.closeLive(live);
  }

  /** `PooledSession.close`: destroys the client, keeping the stored session. Never rejects. */
  private closeLive(live: Live): Promise<void> {
    live.closing ??= (async () => {
      clearTimeout(live.linkTimer);
      this.detach(live);
      if (!live.firstState.settled) live.firstState.reject(new LinkEnded(this.getState(live.referrerUserId)));
      // A process that lost the lease must not overwrite the backups of the one that took it.
      const lease = await this.leases.get(this.pool.leaseName(live.referrerUserId)).catch(() => null);
      if (lease?.owner !== this.instanceId) live.store.stopWriting();
      live.client.removeAllListeners();
      const teardown = { timeoutMs: this.destroyTimeoutMs, logger: this.logger, referrerUserId: live.referrerUserId };
      await destroyClient(live.client, teardown);
      if (!live.client.pupBrowser && live.initializing) this.watchForLateBrowser(live, teardown);
    })();
    return live.closing;
  }

  /**
   * A client destroyed while puppeteer was still launching has no browser to close yet: the one
   * that appears afterwards is closed as soon as it does.
   */
  private watchForLateBrowser(live: Live, teardown: Parameters<typeof destroyClient>[1]): void {
    const giveUpAt = Date.now() + 2 * 60_000;
    const timer = setInterval(() => {
      if (live.client.pupBrowser) {
        clearInterval(timer);
        this.background(destroyClient(live.client, teardown), "late Chromium teardown failed");
      } else if (!live.initializing || Date.now() > giveUpAt) {
        clearInterval(timer);
      }
    }, 250);
    timer.unref();
  }

  private onPoolClosed(referrerUserId: string, why: "evicted" | "idle" | "lease_lost"): void {
    if (this.current.has(referrerUserId)) return;
    const previous = this.getState(referrerUserId);
    if (previous.status === "pending_qr" || previous.status === "pending_pairing") {
      // A link in progress is news: its QR or code is dead now (unless another process took over).
      if (why === "lease_lost") return;
      const reason = why === "idle" ? "linking expired: the code was not used in time" : "linking was cancelled: too many WhatsApp sessions are open on this server";
      this.setState(referrerUserId, { status: "disconnected", phone: null, reason });
    } else if (previous.status === "connected" || previous.status === "connecting") {
      // The device stays linked: nothing to tell, the next ensureReady restores it.
      this.states.set(referrerUserId, { status: "disconnected", phone: previous.phone, reason: `session closed by this server (${why}); it is restored on the next send` });
    }
  }

  // ----- library events -----

  private listen(live: Live): void {
    const { client } = live;
    client.on("qr", (qr) => this.background(this.onQr(live, qr), "QR handling failed"));
    client.on("code", (code) => this.onCode(live, code));
    client.on("authenticated", () => this.onAuthenticated(live));
    client.on("auth_failure", (message) =>
      this.end(live, { status: "failed", phone: this.getState(live.referrerUserId).phone, reason: `WhatsApp Web refused the session: ${message}` }),
    );
    client.on("ready", () => this.background(this.onReady(live), "ready handling failed"));
    client.on("change_state", (state) => this.onChangeState(live, state));
    client.on("disconnected", (reason) => this.onDisconnected(live, reason));
    client.on("message", (message) => this.background(this.onMessage(live, message), "inbound message handling failed"));
    client.on("message_ack", (message, ack) => this.onAck(live, message, ack));
  }

  private async onQr(live: Live, qr: string): Promise<void> {
    if (!this.isCurrent(live)) return;
    if (live.purpose.kind === "restore") {
      // WhatsApp Web asks to link again: this stored session (or this backup of it) is not
      // accepted. Not deleted: a torn backup is no unlink, and the previous one may still work.
      if (!live.firstState.settled) {
        live.firstState.reject(new RestoreRefused());
      } else {
        this.end(live, { status: "logged_out", phone: null, reason: RESTORE_REFUSED_REASON });
        this.background(this.bookOf(live.referrerUserId).setRestoreRefused(this.clock.now()), "could not record a refused session");
      }
      return;
    }
    // A QR means whatever was stored is not this link: the new one is backed up as new.
    live.store.treatAsNew();
    const sequence = ++live.qrSequence;
    const dataUrl = await qrDataUrl(qr);
    if (!this.isCurrent(live) || live.ready || sequence !== live.qrSequence) return;
    this.setState(live.referrerUserId, { status: "pending_qr", phone: null, qr: { text: qr, dataUrl } });
    this.boundLinkWait(live);
    live.firstState.resolve();
  }

  private onCode(live: Live, code: string): void {
    if (!this.isCurrent(live) || live.ready || live.purpose.kind !== "link") return;
    live.store.treatAsNew();
    this.setState(live.referrerUserId, { status: "pending_pairing", phone: live.purpose.phone, pairingCode: code });
    this.boundLinkWait(live);
    live.firstState.resolve();
  }

  /** From the first QR or code on: the link ends, and its Chromium closes, unless used within `linkWaitMs`. */
  private boundLinkWait(live: Live): void {
    live.linkTimer ??= setTimeout(() => {
      if (!this.isCurrent(live) || live.ready) return;
      const { status } = this.getState(live.referrerUserId);
      if (status !== "pending_qr" && status !== "pending_pairing") return;
      this.end(live, { status: "disconnected", phone: null, reason: "linking expired: the code was not used in time" });
    }, this.linkWaitMs);
    live.linkTimer.unref();
  }

  private onAuthenticated(live: Live): void {
    if (!this.isCurrent(live) || live.ready) return;
    const { status, phone } = this.getState(live.referrerUserId);
    if (status === "pending_qr" || status === "pending_pairing") this.setState(live.referrerUserId, { status: "connecting", phone });
  }

  private async onReady(live: Live): Promise<void> {
    if (!this.isCurrent(live) || live.ready) return;
    live.ready = true;
    const phone = await this.ownPhone(live);
    if (!this.isCurrent(live)) return;
    try {
      await live.store.adoptRestored();
      // Before "connected": a STOP that arrived while no client ran must be seen before a send.
      const caughtUp = await withTimeout(live.inbox.catchUp({ newLink: live.purpose.kind === "link" }), this.options.catchUpTimeoutMs ?? 120_000);
      if (caughtUp > 0) this.logger.info({ referrerUserId: live.referrerUserId, messages: caughtUp }, "caught up on messages received while the session was closed");
    } catch (error) {
      this.logger.warn({ referrerUserId: live.referrerUserId, err: describe(error) }, "whatsapp-web.js catch-up failed");
      this.end(live, { status: "disconnected", phone, reason: `could not read the messages received while the session was closed (${describe(error)}); retried on the next send` });
      return;
    }
    if (!this.isCurrent(live)) return;
    live.caughtUp = true;
    this.setState(live.referrerUserId, { status: "connected", phone });
    live.firstState.resolve();
    this.background(
      this.sessions.set(sessionIdOf(live.referrerUserId), { [CLOSED_BY_REFERRER_KEY]: null, [RESTORE_REFUSED_KEY]: null }),
      "could not clear the closed-by-referrer marker",
    );
  }

  private onChangeState(live: Live, state: string): void {
    // Not before the catch-up: a CONNECTED now would let sends start before the opt-outs are read.
    if (!this.isCurrent(live) || !live.caughtUp) return;
    const previous = this.getState(live.referrerUserId);
    const next = stateAfterChange(state, previous.phone);
    if (next && next.status !== previous.status) this.setState(live.referrerUserId, next);
  }

  private onDisconnected(live: Live, reason: string): void {
    if (!this.isCurrent(live)) return;
    const loggedOut = reason === "LOGOUT";
    // Synchronously: the library deletes the stored session right after emitting LOGOUT.
    if (loggedOut) live.store.allowDeletion();
    if (blocksRestore(reason)) this.blocked.add(live.referrerUserId);
    this.end(live, stateAfterDisconnect(reason, this.getState(live.referrerUserId).phone), { forgetStoredSession: loggedOut });
  }

  private async onMessage(live: Live, message: Message): Promise<void> {
    if (!this.isCurrent(live)) return;
    await live.inbox.onLive(message);
  }

  private onAck(live: Live, message: Message, ack: MessageAck): void {
    if (!this.isCurrent(live) || !message.fromMe) return;
    const status = receiptStatus(ack);
    if (status) this.emit({ type: "receipt", referrerUserId: live.referrerUserId, messageId: message.id._serialized, status, at: this.clock.now() });
  }

  /** The linked account's number; accounts known by a LID only are resolved through WhatsApp. */
  private async ownPhone(live: Live): Promise<E164 | null> {
    const wid = live.client.info?.wid;
    if (!wid) return this.getState(live.referrerUserId).phone;
    return phoneOfUserJid(`${wid.user}@${wid.server}`) ?? (isLidJid(wid._serialized) ? this.phoneOfLid(live, wid._serialized) : null);
  }

  /** Newer chats name people by LID (`<n>@lid`), not by number: ask WhatsApp Web for the number. */
  private async phoneOfLid(live: Live, lid: string): Promise<E164 | null> {
    try {
      const [pair] = await live.client.getContactLidAndPhone([lid]);
      return phoneOfUserJid(pair?.pn);
    } catch (error) {
      this.logger.warn({ referrerUserId: live.referrerUserId, err: describe(error) }, "could not resolve a LID to a phone number");
      return null;
    }
  }

  // ----- helpers -----

  private requireConnected(referrerUserId: string): Live {
    const live = this.current.get(referrerUserId);
    const state = this.getState(referrerUserId);
    if (!live || !live.ready || state.status !== "connected") {
      throw new TransportUnavailableError(`[wwebjs] the session of ${referrerUserId} is ${state.status}`, state.status);
    }
    this.pool.get(referrerUserId);
    return live;
  }

  /** A failure is an outage (TransportUnavailableError) only when the session went away meanwhile. */
  private failure(live: Live, action: string, error: unknown): Error {
    const state = this.getState(live.referrerUserId);
    if (!this.isCurrent(live) || state.status !== "connected") {
      return new TransportUnavailableError(`[wwebjs] ${action} failed: the session of ${live.referrerUserId} is ${state.status} (${describe(error)})`, state.status, error);
    }
    return new Error(`[wwebjs] ${action} failed: ${describe(error)}`, { cause: error });
  }

  private timeoutState(purpose: Purpose, phone: E164 | null): LinkState {
    const limit = this.initTimeoutMs < 1000 ? `${this.initTimeoutMs} ms` : `${Math.round(this.initTimeoutMs / 1000)} s`;
    const reason =
      purpose.kind === "restore"
        ? `the stored session did not become ready within ${limit}`
        : `WhatsApp Web showed no QR code, pairing code or session within ${limit}: check that this server can reach web.whatsapp.com`;
    return { status: "failed", phone, reason };
  }

  private isCurrent(live: Live): boolean {
    return !live.ended && this.current.get(live.referrerUserId) === live;
  }

  private async hasStoredArchive(sessionId: string): Promise<boolean> {
    return (await this.sessions.get(sessionId, [ARCHIVE_KEY]))[ARCHIVE_KEY] !== undefined;
  }

  private setState(referrerUserId: string, state: LinkState): void {
    this.states.set(referrerUserId, state);
    this.emit({ type: "link", referrerUserId, state: this.getState(referrerUserId), at: this.clock.now() });
  }

  private emit(event: TransportEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.logger.error({ eventType: event.type, err: describe(error) }, "transport listener failed");
      }
    }
  }

  private background(task: Promise<unknown>, failure: string): void {
    const tracked: Promise<unknown> = task
      .catch((error: unknown) => this.logger.warn({ err: describe(error) }, failure))
      .finally(() => this.pending.delete(tracked));
    this.pending.add(tracked);
  }

  private assertOpen(): void {
    if (this.closed) throw new Error("[wwebjs] the transport is closed");
  }
}

export function createWwebjsTransport(options: WwebjsTransportOptions): WwebjsTransport {
  return new WwebjsTransport(options);
}

function isLinkInProgress(live: Live, options: { method: LinkMethod; phone?: E164 }, state: LinkState): boolean {
  if (live.purpose.kind !== "link" || live.ready || live.purpose.method !== options.method) return false;
  if (options.method === "pairing_code" && live.purpose.phone !== (options.phone ?? null)) return false;
  return state.status === "pending_qr" || state.status === "pending_pairing" || state.status === "connecting";
}
