import makeWASocket, { DisconnectReason } from "@whiskeysockets/baileys";
import {
  SessionDrivenElsewhereError,
  TransportUnavailableError,
  ValidationError,
  isE164,
  silentLogger,
  type E164,
  type LinkMethod,
  type LinkState,
  type Logger,
  type OutgoingMessage,
  type PresenceState,
  type SendContext,
  type SendResult,
  type Transport,
  type TransportEvent,
} from "@relance/core";
import { SessionPool } from "../pool/session-pool.js";
import { AddressBook } from "./address-book.js";
import { useStorageAuthState } from "./auth-state.js";
import { closedMarker } from "./closed-marker.js";
import { DEFAULT_RECONNECT, formatSeconds, type ReconnectSettings } from "./disconnect-policy.js";
import { encryptedEntries } from "./encrypted-entries.js";
import { createMediaDownloader, type DownloadMedia } from "./media-download.js";
import { checkNumber, sendDay, updatePresence, type SendingDeps } from "./sending.js";
import { DEFAULT_RESTRICTION_HOLD_MS } from "./restrictions.js";
import { SentMessageStore } from "./sent-messages.js";
import { WaVersionSource } from "./wa-version.js";
import { toBaileysLogger, type BaileysLogger } from "./logger.js";
import { BaileysSession, type SessionMode, type SessionTimeouts } from "./session.js";
import type { BaileysTransportOptions } from "./transport-options.js";

export type { BaileysTransportOptions } from "./transport-options.js";
import { DEFAULT_BROWSER, isLinked, statusCodeOf, type BaileysSocket, type MakeBaileysSocket } from "./socket.js";

/** Thrown inside the pool's `open` when there is no linked session to bring back. */
class NothingToRestore extends Error {}

const NAME = "baileys";

export function createBaileysTransport(options: BaileysTransportOptions): Transport {
  return new BaileysTransport(options);
}

/**
 * WhatsApp through Baileys (WhatsApp Web's multi-device protocol over a WebSocket): one linked
 * device per referrer, its creds and signal keys encrypted in the session repository, its socket
 * kept warm in a pool that lets one process at a time drive it.
 */
class BaileysTransport implements Transport {
  readonly name = NAME;
  readonly capabilities = { presence: true, pairingCode: true };
  private readonly pool: SessionPool<BaileysSession>;
  private readonly states = new Map<string, LinkState>();
  /** Sessions `ensureReady` must leave alone until the referrer connects again (replaced, banned). */
  private readonly blocked = new Set<string>();
  /** The latest session per referrer: a replaced one finishing late must not overwrite the state. */
  private readonly latest = new Map<string, BaileysSession>();
  private readonly listeners = new Set<(event: TransportEvent) => void>();
  private readonly logger: Logger;
  private readonly baileysLogger: BaileysLogger;
  private readonly makeSocket: MakeBaileysSocket;
  private readonly reconnect: ReconnectSettings;
  private readonly linkTimeoutMs: number;
  private readonly readyTimeoutMs: number;
  private readonly timeouts: SessionTimeouts;
  private readonly versions: WaVersionSource;
  private readonly downloadMedia: DownloadMedia;
  private maintaining = false;

  constructor(private readonly options: BaileysTransportOptions) {
    this.logger = options.logger ?? silentLogger;
    this.baileysLogger = toBaileysLogger(this.logger, options.libraryLogLevel ?? "warn");
    this.makeSocket = options.makeSocket ?? makeWASocket;
    this.reconnect = { ...DEFAULT_RECONNECT, ...options.reconnect };
    this.linkTimeoutMs = options.linkTimeoutMs ?? 30_000;
    this.readyTimeoutMs = options.readyTimeoutMs ?? 30_000;
    this.timeouts = {
      pairingMs: options.pairingTimeoutMs ?? 3 * 60_000,
      offlineDrainMs: options.offlineDrainTimeoutMs ?? 20_000,
      restrictionHoldMs: options.restrictionHoldMs ?? DEFAULT_RESTRICTION_HOLD_MS,
      restrictionCheckMs: options.restrictionCheckTimeoutMs ?? 5_000,
    };
    this.versions = new WaVersionSource({ clock: options.clock, logger: this.logger, ...(options.fetchWaVersion ? { fetch: options.fetchWaVersion } : {}) });
    this.downloadMedia = options.downloadMedia ?? createMediaDownloader(options.media);
    this.pool = new SessionPool<BaileysSession>({
      name: NAME,
      leases: options.leases,
      clock: options.clock,
      instanceId: options.instanceId,
      maxSessions: options.maxSessions,
      idleTimeoutMs: options.idleTimeoutMs,
      ...(options.leaseTtlMs === undefined ? {} : { leaseTtlMs: options.leaseTtlMs }),
      ...(options.evictionGraceMs === undefined ? {} : { evictionGraceMs: options.evictionGraceMs }),
      ...(options.hardMaxSessions === undefined ? {} : { hardMaxSessions: options.hardMaxSessions }),
      logger: this.logger,
      onClosed: (referrerUserId, why) => this.onPoolClosed(referrerUserId, why),
    });
  }

  // ----- linking -----

  async connect(referrerUserId: string, options: { method: LinkMethod; phone?: E164 }): Promise<LinkState> {
    const { method, phone } = options;
    if (method === "pairing_code" && !isE164(phone)) {
      throw new ValidationError("A phone number in E.164 form is required for a pairing code", [{ path: "phone", message: "required for pairing_code" }]);
    }
    this.blocked.delete(referrerUserId);
    const mode: SessionMode = method === "qr" ? { kind: "qr" } : { kind: "pairing_code", phone: phone! };
    const existing = this.pool.get(referrerUserId);
    if (existing && !existing.ended) {
      const state = existing.state;
      if (state.status === "connected") return state;
      if (existing.linked) {
        existing.reconnectNow();
        return this.untilOpen(existing);
      }
      if (sameMode(existing.mode, mode)) return this.untilShown(referrerUserId, existing);
    }
    // A link in progress with another method (or number) is abandoned for this one.
    if (existing) await this.release(referrerUserId);
    const session = await this.acquire(referrerUserId, mode);
    return session.linked ? this.untilOpen(session) : this.untilShown(referrerUserId, session);
  }

  async disconnect(referrerUserId: string, options: { logout: boolean }): Promise<LinkState> {
    const sessionId = sessionIdOf(referrerUserId);
    const existing = this.pool.get(referrerUserId);
    if (!options.logout) {
      // Marked before closing, so that a concurrent ensureReady cannot bring it back in between.
      if (existing || (await this.options.sessions.exists(sessionId))) await this.marker(referrerUserId).set();
      if (existing) await this.release(referrerUserId);
      const phone = existing?.state.phone ?? this.states.get(referrerUserId)?.phone ?? null;
      return this.update(referrerUserId, { status: "disconnected", phone, reason: "disconnected by the referrer" });
    }

    let session = existing;
    if (!session && (await this.options.sessions.exists(sessionId))) {
      // Unlinking needs a connection: without one the device would stay listed on the phone.
      try {
        session = await this.acquire(referrerUserId, { kind: "restore" });
        await session.waitFor((s) => s.status === "connected", this.readyTimeoutMs);
      } catch (error) {
        if (error instanceof SessionDrivenElsewhereError) throw error;
        if (!(error instanceof NothingToRestore)) {
          this.logger.warn({ referrerUserId, err: messageOf(error) }, "baileys session could not be restored to log out; deleting it anyway");
        }
      }
    }
    if (session) {
      await session.logout();
      await this.release(referrerUserId);
    }
    await this.options.sessions.clear(sessionId);
    this.blocked.delete(referrerUserId);
    return this.update(referrerUserId, { status: "logged_out", phone: null, reason: "logged out by the referrer" });
  }

  getState(referrerUserId: string): LinkState {
    return { ...(this.states.get(referrerUserId) ?? { status: "disconnected", phone: null }) };
  }

  async ensureReady(referrerUserId: string): Promise<LinkState> {
    // Read again once a day; sockets opened meanwhile use the last version read.
    void this.versions.current();
    const existing = this.pool.get(referrerUserId);
    if (existing && !existing.ended) {
      existing.recheckRestrictions();
      if (existing.state.status !== "connecting") return existing.state;
      return (await existing.waitFor((s) => s.status !== "connecting", this.readyTimeoutMs)) ?? existing.state;
    }
    // "Replaced by another connection" is the normal end of a takeover by another instance of
    // ours: that one drives the session now, so this is no outage to hold and report.
    if (this.blocked.has(referrerUserId)) {
      if (await this.pool.heldElsewhere(referrerUserId)) {
        throw new SessionDrivenElsewhereError(`[${NAME}] the session of ${referrerUserId} is driven by another process`);
      }
      return this.getState(referrerUserId);
    }
    const sessionId = sessionIdOf(referrerUserId);
    if (!(await this.options.sessions.exists(sessionId))) return this.getState(referrerUserId);
    if (await this.marker(referrerUserId).isSet()) {
      const state: LinkState = { status: "disconnected", phone: this.getState(referrerUserId).phone, reason: "disconnected by the referrer" };
      this.states.set(referrerUserId, state);
      return { ...state };
    }
    let session: BaileysSession;
    try {
      session = await this.acquire(referrerUserId, { kind: "restore" });
    } catch (error) {
      if (error instanceof NothingToRestore) return this.getState(referrerUserId);
      throw error;
    }
    // A concurrent connect may have started a new link: that is not ours to wait for.
    if (!session.linked) return session.state;
    return this.untilOpen(session);
  }

  // ----- sending -----

  async isOnWhatsApp(referrerUserId: string, phone: E164): Promise<boolean> {
    return checkNumber(this.requireOpen(referrerUserId), phone, this.sending(referrerUserId));
  }

  async sendPresence(referrerUserId: string, state: PresenceState, to?: E164): Promise<void> {
    return updatePresence(this.requireOpen(referrerUserId), state, to, this.sending(referrerUserId));
  }

  async send(referrerUserId: string, message: OutgoingMessage, context: SendContext): Promise<SendResult> {
    return sendDay(this.requireOpen(referrerUserId), message, context, this.sending(referrerUserId));
  }

  private sending(referrerUserId: string): SendingDeps {
    return {
      name: NAME,
      referrerUserId,
      logger: this.logger,
      downloadMedia: this.downloadMedia,
      failure: (what, error, nothingSent) => this.failure(referrerUserId, what, error, nothingSent),
    };
  }

  // ----- events and lifecycle -----

  subscribe(listener: (event: TransportEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    await this.pool.closeAll();
    this.latest.clear();
    this.maintaining = false;
    this.listeners.clear();
  }

  // ----- internals -----

  /** Takes the lease and opens the session (its first socket included). */
  private async acquire(referrerUserId: string, mode: SessionMode): Promise<BaileysSession> {
    const open = () => this.openSession(referrerUserId, mode);
    let session = await this.pool.acquire(referrerUserId, open);
    if (session.ended) {
      // Stopped on its own and still finishing (deleting its storage) before it leaves the pool.
      await this.release(referrerUserId);
      session = await this.pool.acquire(referrerUserId, open);
    }
    if (!this.maintaining) {
      this.maintaining = true;
      this.pool.startMaintenance(this.options.maintenanceIntervalMs);
    }
    // Started only once in the pool, so that a session ending at once finds itself there to leave.
    session.start();
    return session;
  }

  /** Runs under the session lease: nobody else writes this auth state meanwhile. */
  private async openSession(referrerUserId: string, mode: SessionMode): Promise<BaileysSession> {
    const { sessions, cipher } = this.options;
    const sessionId = sessionIdOf(referrerUserId);
    // Resolved before the first socket of the process, then once a day (bounded wait).
    await this.versions.current();
    let auth = await useStorageAuthState({ sessions, cipher, sessionId });
    if (mode.kind === "restore") {
      if (!isLinked(auth.state.creds)) throw new NothingToRestore(`no linked session stored for ${referrerUserId}`);
    } else if (isLinked(auth.state.creds)) {
      await this.marker(referrerUserId).clear();
    } else if (await sessions.exists(sessionId)) {
      // Leftovers of a link that never completed: a new link starts from fresh creds.
      await auth.clear();
      auth = await useStorageAuthState({ sessions, cipher, sessionId });
    }
    const entries = encryptedEntries(sessions, cipher, sessionId);
    const session: BaileysSession = new BaileysSession(
      {
        referrerUserId,
        sessionId,
        auth,
        makeSocket: this.makeSocket,
        clock: this.options.clock,
        logger: this.logger,
        baileysLogger: this.baileysLogger.child({ referrerUserId }),
        browser: this.options.browser ?? DEFAULT_BROWSER,
        reconnect: this.reconnect,
        book: new AddressBook(entries),
        sentMessages: new SentMessageStore(entries, this.options.clock, this.logger, this.options.sentMessageRetentionDays),
        version: () => this.versions.latest,
        versionRejected: () => void this.versions.refresh(),
        timeouts: this.timeouts,
        ...(this.options.random ? { random: this.options.random } : {}),
        ...(this.options.printQrInTerminal ? { printQrInTerminal: this.options.printQrInTerminal } : {}),
        hooks: {
          state: (state) => {
            if (this.latest.get(referrerUserId) === session) this.update(referrerUserId, state);
          },
          inbound: ({ from, text }) => this.emit({ type: "inbound", referrerUserId, from, text, at: this.options.clock.now() }),
          receipt: ({ messageId, status }) => this.emit({ type: "receipt", referrerUserId, messageId, status, at: this.options.clock.now() }),
          ended: ({ blockRestore }) => this.onSessionEnded(referrerUserId, session, blockRestore),
        },
      },
      mode,
    );
    this.latest.set(referrerUserId, session);
    return session;
  }

  /** Closes the session, gives its lease back, and forgets it. */
  private async release(referrerUserId: string): Promise<void> {
    try {
      await this.pool.release(referrerUserId);
    } finally {
      if (!this.pool.has(referrerUserId)) this.latest.delete(referrerUserId);
    }
  }

  private onSessionEnded(referrerUserId: string, session: BaileysSession, blockRestore: boolean): void {
    if (blockRestore) this.blocked.add(referrerUserId);
    if (this.pool.get(referrerUserId) !== session) return;
    this.release(referrerUserId).catch((error) => this.logger.error({ referrerUserId, err: messageOf(error) }, "baileys session lease could not be released"));
  }

  /**
   * The pool closed a session to make room, after inactivity, or because another process took
   * its lease. The device is still linked and the next `ensureReady` restores it: the state
   * changes here, but no link event tells the core the referrer's WhatsApp went down.
   */
  private onPoolClosed(referrerUserId: string, why: "evicted" | "idle" | "lease_lost"): void {
    const reason = {
      evicted: "closed to make room for another session; restored on the next send",
      idle: "closed after inactivity; restored on the next send",
      lease_lost: "driven by another process",
    }[why];
    this.latest.delete(referrerUserId);
    this.states.set(referrerUserId, { status: "disconnected", phone: this.states.get(referrerUserId)?.phone ?? null, reason });
  }

  /** Until the QR or pairing code is there to show (or the link is done, or over). */
  private async untilShown(referrerUserId: string, session: BaileysSession): Promise<LinkState> {
    const shown = await session.waitFor((s) => s.status === "pending_qr" || s.status === "pending_pairing" || s.status === "connected", this.linkTimeoutMs);
    if (shown) return shown;
    await this.release(referrerUserId);
    const what = session.mode.kind === "pairing_code" ? "pairing code" : "QR code";
    const last = session.state.reason;
    return this.update(referrerUserId, { status: "failed", phone: null, reason: `WhatsApp sent no ${what} within ${formatSeconds(this.linkTimeoutMs)}${last ? ` (${last})` : ""}` });
  }

  private untilOpen(session: BaileysSession): Promise<LinkState> {
    return session.waitFor((s) => s.status === "connected", this.readyTimeoutMs).then((state) => state ?? session.state);
  }

  private requireOpen(referrerUserId: string): { session: BaileysSession; sock: BaileysSocket } {
    const session = this.pool.get(referrerUserId);
    const sock = session?.openSocket;
    if (!session || !sock) {
      const state = this.getState(referrerUserId);
      const status = state.status === "connected" ? "disconnected" : state.status;
      throw new TransportUnavailableError(`[${NAME}] the WhatsApp session of ${referrerUserId} is ${status}${state.reason ? `: ${state.reason}` : ""}`, status);
    }
    return { session, sock };
  }

  /**
   * A failed library call. Nothing left the phone when the first call found the connection
   * closed: that is the session being unavailable (dispatch holds). Anything else, a failed
   * media download included, is an ordinary, retryable failure.
   */
  private failure(referrerUserId: string, what: string, error: unknown, nothingSent: boolean): Error {
    const cause = messageOf(error);
    const connectionGone = this.pool.get(referrerUserId)?.openSocket == null || statusCodeOf(error) === DisconnectReason.connectionClosed;
    if (nothingSent && connectionGone) {
      const status = this.getState(referrerUserId).status;
      return new TransportUnavailableError(`[${NAME}] ${what} failed: the connection closed (${cause})`, status === "connected" ? "disconnected" : status, error);
    }
    return new Error(`[${NAME}] ${what} failed: ${cause}`, { cause: error });
  }

  private update(referrerUserId: string, state: LinkState): LinkState {
    const previous = this.states.get(referrerUserId);
    this.states.set(referrerUserId, state);
    if (!previous || !sameState(previous, state)) {
      this.emit({ type: "link", referrerUserId, state: { ...state }, at: this.options.clock.now() });
    }
    return { ...state };
  }

  private emit(event: TransportEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.logger.error({ eventType: event.type, err: messageOf(error) }, "transport listener failed");
      }
    }
  }

  private marker(referrerUserId: string) {
    return closedMarker(this.options.sessions, this.options.cipher, sessionIdOf(referrerUserId));
  }
}

/** The session repository id of a referrer's Baileys session. */
export function sessionIdOf(referrerUserId: string): string {
  return `${NAME}:${referrerUserId}`;
}

function sameMode(a: SessionMode, b: SessionMode): boolean {
  return a.kind === b.kind && (a.kind !== "pairing_code" || (b.kind === "pairing_code" && a.phone === b.phone));
}

function sameState(a: LinkState, b: LinkState): boolean {
  return (
    a.status === b.status &&
    a.phone === b.phone &&
    a.qr?.text === b.qr?.text &&
    a.pairingCode === b.pairingCode &&
    a.reason === b.reason &&
    a.restriction?.reason === b.restriction?.reason &&
    a.restriction?.until?.getTime() === b.restriction?.until?.getTime()
  );
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
