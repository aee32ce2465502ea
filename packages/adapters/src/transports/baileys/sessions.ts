import makeWASocket, { DisconnectReason } from "@whiskeysockets/baileys";
import { TransportUnavailableError, silentLogger, type LinkState, type Logger } from "@relance/core";
import { SessionPool } from "../pool/session-pool.js";
import { callFailure } from "../session/failure.js";
import { InboundJournals } from "../session/inbound-journal.js";
import { LinkRegistry } from "../session/link-registry.js";
import { afterPoolClose, type PoolCloseReason } from "../session/pool-closed.js";
import { RestoreBlocks } from "../session/restore-guard.js";
import { messageOf } from "../session/error-message.js";
import { DEFAULT_RECONNECT, formatSeconds } from "./disconnect-policy.js";
import { DEFAULT_GIVE_UPS, GiveUps } from "./give-ups.js";
import { toBaileysLogger } from "./logger.js";
import { createMediaDownloader, type DownloadMedia } from "./media-download.js";
import { DEFAULT_RESTRICTION_HOLD_MS } from "./restrictions.js";
import type { SendingDeps } from "./sending.js";
import type { BaileysSession, SessionMode } from "./session.js";
import { openBaileysSession, sessionIdOf, type SessionFactory } from "./session-factory.js";
import { statusCodeOf, type BaileysSocket } from "./socket.js";
import { DEFAULT_OFFLINE_DRAIN_MS, DEFAULT_OFFLINE_QUIET_MS, DEFAULT_READY_TIMEOUT_MS, type BaileysTransportOptions } from "./transport-options.js";
import { WaVersionSource } from "./wa-version.js";

export const NAME = "baileys";
/** A session used this recently may have a send in flight: its socket is not recycled. */
const RECENT_USE_MS = 2 * 60_000;

/**
 * The transport's running sessions: the pool that leases them (one process drives a session at
 * a time), the journals their replies go through, the referrers' link states, and what ends or
 * holds a session (give-ups, restore blocks). The port's decisions are in transport.ts.
 */
export class BaileysSessions {
  readonly pool: SessionPool<BaileysSession>;
  readonly links: LinkRegistry;
  /** Sessions `ensureReady` must leave alone until the referrer connects again (replaced, banned). */
  readonly blocked: RestoreBlocks;
  /** Sessions that gave up reconnecting: not restored before their cooldown ends (B8). */
  readonly giveUps: GiveUps;
  /** Every reply is journaled before the engine sees it, and kept until the engine acknowledged it. */
  readonly journals: InboundJournals;
  readonly logger: Logger;
  readonly factory: SessionFactory;
  readonly linkTimeoutMs: number;
  readonly readyTimeoutMs: number;
  /** The latest session per referrer: a replaced one finishing late must not overwrite the state. */
  private readonly latest = new Map<string, BaileysSession>();
  private readonly downloadMedia: DownloadMedia;
  private maintaining = false;
  /** When each session last sent or looked a number up (clock ms): a recycle never cuts one short. */
  private readonly lastUse = new Map<string, number>();
  private readonly socketMaxAgeMs: number;

  constructor(private readonly options: BaileysTransportOptions) {
    const logger = options.logger ?? silentLogger;
    this.blocked = new RestoreBlocks(NAME, { sessions: options.sessions, cipher: options.cipher, sessionIdOf });
    this.logger = logger;
    this.links = new LinkRegistry(options.clock, logger);
    this.giveUps = new GiveUps(options.clock, { ...DEFAULT_GIVE_UPS, ...options.giveUps });
    this.linkTimeoutMs = options.linkTimeoutMs ?? 30_000;
    this.readyTimeoutMs = options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
    this.socketMaxAgeMs = options.socketMaxAgeMs ?? 24 * 60 * 60_000;
    this.factory = {
      options,
      logger,
      baileysLogger: toBaileysLogger(logger, options.libraryLogLevel ?? "warn"),
      makeSocket: options.makeSocket ?? makeWASocket,
      reconnect: { ...DEFAULT_RECONNECT, ...options.reconnect },
      timeouts: {
        pairingMs: options.pairingTimeoutMs ?? 3 * 60_000,
        offlineDrainMs: options.offlineDrainTimeoutMs ?? DEFAULT_OFFLINE_DRAIN_MS,
        offlineQuietMs: options.offlineQuietMs ?? DEFAULT_OFFLINE_QUIET_MS,
        offlineQuietMaxMs: options.offlineQuietMaxMs ?? 20_000,
        restrictionHoldMs: options.restrictionHoldMs ?? DEFAULT_RESTRICTION_HOLD_MS,
        restrictionCheckMs: options.restrictionCheckTimeoutMs ?? 5_000,
      },
      ownsLease: (referrerUserId) => this.ownsLease(referrerUserId),
      versions: new WaVersionSource({ clock: options.clock, logger, ...(options.fetchWaVersion ? { fetch: options.fetchWaVersion } : {}) }),
    };
    this.downloadMedia = options.downloadMedia ?? createMediaDownloader(options.media);
    this.journals = new InboundJournals({
      sessions: options.sessions,
      cipher: options.cipher,
      logger,
      sessionIdOf,
      deliver: (event) => this.links.deliver(event),
      ...(options.inboundAckWaitMs === undefined ? {} : { ackWaitMs: options.inboundAckWaitMs }),
    });
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

  getState(referrerUserId: string): LinkState {
    return { ...(this.links.get(referrerUserId) ?? { status: "disconnected", phone: null }) };
  }

  /** What the sending functions (sending.ts) need for one referrer. */
  sending(referrerUserId: string): SendingDeps {
    return {
      name: NAME,
      referrerUserId,
      logger: this.logger,
      downloadMedia: this.downloadMedia,
      failure: (what, error, nothingSent) => this.failure(referrerUserId, what, error, nothingSent),
    };
  }

  /** Closes every session; the listeners stay until the journals settled (see the transport's close). */
  async closeAll(): Promise<void> {
    await this.pool.closeAll();
    await this.blocked.settled();
    await this.journals.settled();
    this.latest.clear();
    this.lastUse.clear();
    this.maintaining = false;
    this.links.clearListeners();
  }

  /** Takes the lease and opens the session (its first socket included). */
  async acquire(referrerUserId: string, mode: SessionMode): Promise<BaileysSession> {
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
    // Under the lease, before the first socket: what an earlier run (any process) surfaced and
    // the engine never acknowledged is handed over, so that it is handled before a send.
    await this.journals.replay(referrerUserId).catch((error: unknown) => this.logger.error({ referrerUserId, err: messageOf(error) }, "baileys inbound journal could not be read"));
    // Started only once in the pool, so that a session ending at once finds itself there to leave.
    session.start();
    return session;
  }

  /** Runs under the session lease: nobody else writes this auth state meanwhile. */
  private async openSession(referrerUserId: string, mode: SessionMode): Promise<BaileysSession> {
    const session: BaileysSession = await openBaileysSession(this.factory, referrerUserId, mode, {
      state: (state) => {
        if (this.latest.get(referrerUserId) === session) this.links.update(referrerUserId, state);
      },
      inbound: (reply) =>
        this.journals.accept(referrerUserId, [reply]).catch((error: unknown) => {
          this.logger.error({ referrerUserId, err: messageOf(error) }, "baileys reply could not be journaled: handed over without a replay if it is lost");
        }),
      receipt: ({ messageId, status, error }) => this.links.emit({ type: "receipt", referrerUserId, messageId, status, at: this.options.clock.now(), ...(error ? { error } : {}) }),
      ended: ({ blockRestore }) => this.onSessionEnded(referrerUserId, session, blockRestore),
      gaveUp: (reason) => this.giveUps.record(referrerUserId, reason),
      connected: () => this.giveUps.clear(referrerUserId),
      ownsLease: () => this.ownsLease(referrerUserId),
    });
    this.latest.set(referrerUserId, session);
    return session;
  }

  /** Closes the session, gives its lease back, and forgets it. */
  async release(referrerUserId: string): Promise<void> {
    const released = this.pool.get(referrerUserId);
    try {
      await this.pool.release(referrerUserId);
    } finally {
      // Only the session released here: a new one opened while it was closing is the latest now.
      if (!this.pool.has(referrerUserId) && this.latest.get(referrerUserId) === released) {
        this.latest.delete(referrerUserId);
        this.lastUse.delete(referrerUserId);
      }
    }
  }

  private onSessionEnded(referrerUserId: string, session: BaileysSession, blockRestore: boolean): void {
    if (blockRestore) {
      // Stored with the session: no process restores it on its own, here or after a restart.
      const reason = session.state.reason ?? "WhatsApp ended the session";
      this.blocked.block(referrerUserId, reason, { scope: "session", pool: this.pool, at: this.options.clock.now() }).catch((error: unknown) => {
        this.logger.error({ referrerUserId, err: messageOf(error) }, "baileys restore block could not be stored: it holds in this process only");
      });
    }
    if (this.pool.get(referrerUserId) !== session) return;
    this.release(referrerUserId).catch((error) => this.logger.error({ referrerUserId, err: messageOf(error) }, "baileys session lease could not be released"));
  }

  /**
   * The pool closed a session to make room, after inactivity, or because another process took
   * its lease: the shared rule (session/pool-closed.ts) says what the referrer's state becomes.
   */
  private onPoolClosed(referrerUserId: string, why: PoolCloseReason): void {
    this.latest.delete(referrerUserId);
    const after = afterPoolClose(this.getState(referrerUserId), why);
    if (!after) return;
    if (after.announce) this.links.update(referrerUserId, after.state);
    else this.links.set(referrerUserId, after.state);
  }

  /** Until the QR or pairing code is there to show (or the link is done, or over). */
  async untilShown(referrerUserId: string, session: BaileysSession): Promise<LinkState> {
    const shown = await session.waitFor((s) => s.status === "pending_qr" || s.status === "pending_pairing" || s.status === "connected", this.linkTimeoutMs);
    if (shown) return shown;
    await this.release(referrerUserId);
    const what = session.mode.kind === "pairing_code" ? "pairing code" : "QR code";
    const last = session.state.reason;
    return this.links.update(referrerUserId, { status: "failed", phone: null, reason: `WhatsApp sent no ${what} within ${formatSeconds(this.linkTimeoutMs)}${last ? ` (${last})` : ""}` });
  }

  untilOpen(session: BaileysSession): Promise<LinkState> {
    return session.waitFor((s) => s.status === "connected", this.readyTimeoutMs).then((state) => state ?? session.state);
  }

  /**
   * A socket open for `socketMaxAgeMs` is renewed by the next `ensureReady` (the listen job and
   * dispatch call it; both wait for the new socket), unless it sent within the last two minutes.
   */
  dueForRecycling(referrerUserId: string, session: BaileysSession): boolean {
    const age = session.socketAgeMs;
    if (age === null || age < this.socketMaxAgeMs) return false;
    const now = this.options.clock.now().getTime();
    return now - (this.lastUse.get(referrerUserId) ?? 0) >= RECENT_USE_MS;
  }

  requireOpen(referrerUserId: string): { session: BaileysSession; sock: BaileysSocket } {
    this.lastUse.set(referrerUserId, this.options.clock.now().getTime());
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
  failure(referrerUserId: string, what: string, error: unknown, nothingSent: boolean): Error {
    const connectionGone = this.pool.get(referrerUserId)?.openSocket == null || statusCodeOf(error) === DisconnectReason.connectionClosed;
    return callFailure({ transport: NAME, action: what, error, unavailable: nothingSent && connectionGone, status: this.getState(referrerUserId).status });
  }

  private async ownsLease(referrerUserId: string): Promise<boolean> {
    return (await this.options.leases.get(this.pool.leaseName(referrerUserId)))?.owner === this.options.instanceId;
  }
}
