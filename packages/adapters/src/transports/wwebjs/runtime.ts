import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { silentLogger, type Clock, type LeaseRepository, type LinkState, type Logger, type TransportEvent } from "@relance/core";
import type { SessionRepository } from "../../ports/session-repository.js";
import { SystemClock } from "../../clock/system-clock.js";
import type { SessionCipher } from "../../crypto/session-cipher.js";
import { SessionPool } from "../pool/session-pool.js";
import { InboundJournals } from "../session/inbound-journal.js";
import { LinkRegistry } from "../session/link-registry.js";
import { RestoreBlocks } from "../session/restore-guard.js";
import { createRealWwebjsClient, webVersionPin, type CreateWwebjsClient } from "./client-factory.js";
import { describe } from "./events.js";
import { onPoolClosed } from "./lifecycle.js";
import { ListenBudget } from "./listen-budget.js";
import type { Live } from "./live.js";
import { createMediaLoader, type LoadMedia } from "./media.js";
import type { WwebjsTransportOptions } from "./options.js";
import { SessionBook } from "./session-book.js";
import { sessionIdOf } from "./session-ids.js";
import { WebBuild } from "./web-build.js";

/**
 * What the transport's parts share: the resolved options, the referrers' link states and live
 * clients, the pool, and the plumbing (state changes, events, background work) they all go through.
 */
export class WwebjsRuntime {
  readonly name = "wwebjs";
  readonly current = new Map<string, Live>();
  /** Sessions ensureReady leaves alone until the referrer connects again (replaced, banned). */
  readonly blocked: RestoreBlocks;
  /** Link states and listeners (shared with Baileys): an event only when the referrer would see a change. */
  readonly links: LinkRegistry;
  /** Every reply is journaled before the engine sees it, and kept until the engine acknowledged it. */
  readonly journals: InboundJournals;
  private readonly pending = new Set<Promise<unknown>>();
  readonly pool: SessionPool<Live>;
  readonly sessions: SessionRepository;
  readonly leases: LeaseRepository;
  readonly cipher: SessionCipher;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly instanceId: string;
  readonly chromiumPath: string;
  readonly chromiumArgs: readonly string[];
  readonly dataPath: string;
  readonly createClient: CreateWwebjsClient;
  readonly loadMedia: LoadMedia;
  readonly maxSessions: number;
  readonly initTimeoutMs: number;
  readonly restoreTimeoutMs: number;
  readonly linkWaitMs: number;
  readonly destroyTimeoutMs: number;
  readonly finalBackupTimeoutMs: number;
  readonly options: WwebjsTransportOptions;
  /** The WhatsApp Web build clients load, moved to the fallback when WhatsApp deprecates the pin. */
  readonly webBuild: WebBuild;
  /** New Chromiums the listen job may still start (see ListenBudget). */
  readonly listenBudget: ListenBudget;
  closed = false;

  constructor(options: WwebjsTransportOptions) {
    this.sessions = options.sessions;
    this.leases = options.leases;
    this.cipher = options.cipher;
    this.clock = options.clock ?? new SystemClock();
    this.logger = options.logger ?? silentLogger;
    this.links = new LinkRegistry(this.clock, this.logger);
    this.blocked = new RestoreBlocks(this.name, { sessions: this.sessions, cipher: this.cipher, sessionIdOf });
    this.instanceId = options.instanceId ?? `${hostname()}:${process.pid}`;
    this.chromiumPath = options.chromiumPath ?? process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
    this.chromiumArgs = options.chromiumArgs ?? [];
    this.dataPath = options.dataPath ?? join(tmpdir(), "relance-wwebjs");
    this.createClient = options.createClient ?? createRealWwebjsClient;
    this.options = options;
    this.webBuild = new WebBuild(
      options.webVersion ?? webVersionPin({}, this.dataPath),
      options.webVersionFallback === undefined ? { version: "latest" } : options.webVersionFallback,
      this.logger,
    );
    this.webBuild.checkAge(this.clock.now());
    this.loadMedia =
      options.loadMedia ??
      createMediaLoader({
        ...(options.mediaTimeoutMs === undefined ? {} : { timeoutMs: options.mediaTimeoutMs }),
        ...(options.mediaMaxBytes === undefined ? {} : { maxBytes: options.mediaMaxBytes }),
        ...(options.mediaAllowHosts === undefined ? {} : { allowHosts: options.mediaAllowHosts }),
      });
    this.journals = new InboundJournals({
      sessions: this.sessions,
      cipher: this.cipher,
      logger: this.logger,
      sessionIdOf,
      deliver: (event) => this.links.deliver(event),
      ...(options.inboundAckWaitMs === undefined ? {} : { ackWaitMs: options.inboundAckWaitMs }),
    });
    this.maxSessions = options.maxSessions ?? 5;
    this.initTimeoutMs = options.initTimeoutMs ?? 60_000;
    this.restoreTimeoutMs = options.restoreTimeoutMs ?? 3 * 60_000;
    this.linkWaitMs = options.linkWaitMs ?? 3 * 60_000;
    this.destroyTimeoutMs = options.destroyTimeoutMs ?? 10_000;
    this.finalBackupTimeoutMs = options.finalBackupTimeoutMs ?? 2 * 60_000;
    this.listenBudget = new ListenBudget(this.clock, this.maxSessions, options.listenOpenIntervalMs ?? 60_000);
    this.pool = new SessionPool<Live>({
      name: this.name,
      leases: this.leases,
      clock: this.clock,
      instanceId: this.instanceId,
      maxSessions: this.maxSessions,
      // A Chromium is about 300 MB: past the cap the process would run out of memory.
      overflow: "refuse",
      idleTimeoutMs: options.idleTimeoutMs ?? 30 * 60_000,
      ...(options.evictionGraceMs === undefined ? {} : { evictionGraceMs: options.evictionGraceMs }),
      logger: this.logger,
      onClosed: (referrerUserId, why) => onPoolClosed(this, referrerUserId, why),
    });
  }

  getState(referrerUserId: string): LinkState {
    const state = this.links.get(referrerUserId) ?? { status: "disconnected", phone: null };
    return { ...state, ...(state.qr ? { qr: { ...state.qr } } : {}) };
  }

  setState(referrerUserId: string, state: LinkState): void {
    this.links.update(referrerUserId, state);
  }

  /** Records a state without a link event (the core hears of it on its next call). */
  setQuietly(referrerUserId: string, state: LinkState): void {
    this.links.set(referrerUserId, state);
  }

  emit(event: TransportEvent): void {
    this.links.emit(event);
  }

  background(task: Promise<unknown>, failure: string): void {
    const tracked: Promise<unknown> = task
      .catch((error: unknown) => this.logger.warn({ err: describe(error) }, failure))
      .finally(() => this.pending.delete(tracked));
    this.pending.add(tracked);
  }

  /** Resolves once the background work started so far (storage writes, teardowns) is done. */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  isCurrent(live: Live): boolean {
    return !live.ended && this.current.get(live.referrerUserId) === live;
  }

  detach(live: Live): void {
    live.ended = true;
    if (this.current.get(live.referrerUserId) === live) this.current.delete(live.referrerUserId);
  }

  bookOf(referrerUserId: string): SessionBook {
    return new SessionBook(this.sessions, this.cipher, sessionIdOf(referrerUserId));
  }

  assertOpen(): void {
    if (this.closed) throw new Error("[wwebjs] the transport is closed");
  }
}
