import { SessionCapacityError, SessionDrivenElsewhereError, silentLogger, type Clock, type LeaseRepository, type Logger } from "@relance/core";

/** A live WhatsApp connection (a Baileys socket, a whatsapp-web.js client with its browser). */
export interface PooledSession {
  /** Closes the connection without unlinking the device. */
  close(): Promise<void>;
}

export interface SessionPoolOptions {
  /** Transport name: lease names and error prefixes. */
  name: string;
  leases: LeaseRepository;
  clock: Clock;
  instanceId: string;
  /** `RELANCE_MAX_CONCURRENT_SESSIONS`: the least recently used session is closed beyond it. */
  maxSessions: number;
  /** A session unused this long is closed (it is restored on the next send). */
  idleTimeoutMs: number;
  /** Lease lifetime; renewed by `maintain()` well before it runs out. */
  leaseTtlMs?: number;
  /**
   * A session used this recently is never evicted (a send may be running on it); beyond
   * `maxSessions` the pool then grows for a while rather than cut a send short. Default 2 min.
   */
  evictionGraceMs?: number;
  /**
   * What `acquire` does when every open session is inside the eviction grace: `"grow"` (default)
   * opens one more anyway; `"refuse"` rejects with `SessionCapacityError` (a `TransportUnavailableError`) (the caller holds
   * and tries again later), for sessions too heavy to exceed the cap (a Chromium each). With
   * `"refuse"`, sessions still opening count against `maxSessions` too.
   */
  overflow?: "grow" | "refuse";
  /**
   * Open plus opening sessions never exceed this, whatever `overflow` says: beyond it `acquire`
   * rejects with `SessionCapacityError` (503 on the API). Default: twice `maxSessions` with
   * `"grow"`, `maxSessions` with `"refuse"`.
   */
  hardMaxSessions?: number;
  logger?: Logger;
  /** Called after the pool closed a session on its own (eviction, idle, lost lease). */
  onClosed?: (referrerUserId: string, why: "evicted" | "idle" | "lease_lost") => void;
}

interface Entry<S> {
  session: S;
  lastUsed: number;
}

/**
 * Keeps sessions warm between dispatch runs: at most `maxSessions` open in this process, least
 * recently used evicted, idle ones closed, and each one driven by one process at a time through
 * a lease in storage (`<name>-session:<referrer>`).
 */
export class SessionPool<S extends PooledSession> {
  private readonly entries = new Map<string, Entry<S>>();
  private readonly opening = new Map<string, Promise<S>>();
  private readonly leaseTtlMs: number;
  private readonly logger: Logger;
  private timer: NodeJS.Timeout | null = null;
  private maintaining: Promise<void> | null = null;
  private readonly evictionGraceMs: number;
  /** Sessions past the room check whose `open()` has not settled yet. */
  private starting = 0;

  constructor(private readonly options: SessionPoolOptions) {
    this.leaseTtlMs = options.leaseTtlMs ?? 60_000;
    this.evictionGraceMs = options.evictionGraceMs ?? 120_000;
    this.logger = options.logger ?? silentLogger;
  }

  leaseName(referrerUserId: string): string {
    return `${this.options.name}-session:${referrerUserId}`;
  }

  /** Whether one more session fits without evicting any (those still opening count). */
  hasRoom(): boolean {
    return this.entries.size + this.starting < this.options.maxSessions;
  }

  get size(): number {
    return this.entries.size;
  }

  has(referrerUserId: string): boolean {
    return this.entries.has(referrerUserId);
  }

  /** The open session, marked as used; undefined when none is open here. */
  get(referrerUserId: string): S | undefined {
    const entry = this.entries.get(referrerUserId);
    if (entry) entry.lastUsed = this.options.clock.now().getTime();
    return entry?.session;
  }

  /**
   * The open session, or a new one from `open()` once this process holds the lease. Rejects with
   * `SessionDrivenElsewhereError` while another process holds it.
   */
  async acquire(referrerUserId: string, open: () => Promise<S>): Promise<S> {
    const existing = this.get(referrerUserId);
    if (existing) return existing;
    const pending = this.opening.get(referrerUserId);
    if (pending) return pending;
    const opening = this.open(referrerUserId, open);
    this.opening.set(referrerUserId, opening);
    try {
      return await opening;
    } finally {
      this.opening.delete(referrerUserId);
    }
  }

  /** True while another process holds this session's lease (it drives the session now). */
  async heldElsewhere(referrerUserId: string): Promise<boolean> {
    const lease = await this.options.leases.get(this.leaseName(referrerUserId));
    return lease !== null && lease.owner !== this.options.instanceId && lease.expiresAt > this.options.clock.now();
  }

  /** Closes the session (if open here) and gives the lease back. */
  async release(referrerUserId: string): Promise<void> {
    const entry = this.entries.get(referrerUserId);
    this.entries.delete(referrerUserId);
    try {
      await entry?.session.close();
    } finally {
      await this.options.leases.release(this.leaseName(referrerUserId), this.options.instanceId);
    }
  }

  /**
   * Renews every lease first — open sessions and sessions still opening, in parallel, each from
   * a fresh instant — then closes idle sessions and those whose lease another process took.
   * A pass still running makes the next call wait for it instead of starting another.
   */
  maintain(): Promise<void> {
    this.maintaining ??= this.maintainOnce().finally(() => {
      this.maintaining = null;
    });
    return this.maintaining;
  }

  private async maintainOnce(): Promise<void> {
    const { leases, clock, instanceId } = this.options;
    const open = [...this.entries.keys()];
    const ids = [...new Set([...open, ...this.opening.keys()])];
    const kept = await Promise.all(
      ids.map((id) =>
        leases.acquire(this.leaseName(id), instanceId, clock.now(), this.leaseTtlMs).catch((error) => {
          this.logger.warn({ referrerUserId: id, err: String(error) }, "session lease renewal failed");
          return true; // Unknown: keep the session; the next pass tries again before the lease ends.
        }),
      ),
    );
    const lost = new Set(ids.filter((_, i) => !kept[i]));
    const now = clock.now().getTime();
    for (const id of open) {
      const entry = this.entries.get(id);
      if (!entry) continue;
      if (lost.has(id)) await this.closeOnItsOwn(id, "lease_lost");
      else if (now - entry.lastUsed >= this.options.idleTimeoutMs) await this.closeOnItsOwn(id, "idle");
    }
  }

  /** Runs `maintain()` periodically on a timer that does not keep the process alive. */
  startMaintenance(everyMs = Math.max(1000, Math.floor(this.leaseTtlMs / 3))): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.maintain().catch((error) => this.logger.error({ err: String(error), transport: this.options.name }, "session pool maintenance failed"));
    }, everyMs);
    this.timer.unref();
  }

  async closeAll(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await Promise.allSettled([...this.entries.keys()].map((id) => this.release(id)));
  }

  private async open(referrerUserId: string, open: () => Promise<S>): Promise<S> {
    const { leases, clock, instanceId, name } = this.options;
    if (!(await leases.acquire(this.leaseName(referrerUserId), instanceId, clock.now(), this.leaseTtlMs))) {
      throw new SessionDrivenElsewhereError(`[${name}] the session of ${referrerUserId} is driven by another process`);
    }
    const refuse = this.options.overflow === "refuse";
    const hardMax = this.options.hardMaxSessions ?? (refuse ? this.options.maxSessions : this.options.maxSessions * 2);
    let session: S;
    let counted = false;
    try {
      // Sessions still opening (a QR nobody scans yet) hold memory and sockets too: they count.
      if (this.entries.size + this.starting >= hardMax && !(await this.evictLeastRecentlyUsed())) {
        throw new SessionCapacityError(`[${name}] no room for the session of ${referrerUserId}: ${hardMax} sessions are open or opening (hard cap)`);
      }
      while (this.entries.size + (refuse ? this.starting : 0) >= this.options.maxSessions) {
        if (!(await this.evictLeastRecentlyUsed())) {
          if (refuse) {
            throw new SessionCapacityError(`[${name}] no room for the session of ${referrerUserId}: ${this.options.maxSessions} sessions are open or opening and all are in use`);
          }
          this.logger.warn({ transport: name, open: this.entries.size, max: this.options.maxSessions }, "every session is in use: the pool grows past its limit for now");
          break;
        }
      }
      this.starting++;
      counted = true;
      session = await open();
    } catch (error) {
      await leases.release(this.leaseName(referrerUserId), instanceId);
      throw error;
    } finally {
      if (counted) this.starting--;
    }
    this.entries.set(referrerUserId, { session, lastUsed: clock.now().getTime() });
    return session;
  }

  /** Closes the least recently used session not used within the grace period; false if none. */
  private async evictLeastRecentlyUsed(): Promise<boolean> {
    const usedBefore = this.options.clock.now().getTime() - this.evictionGraceMs;
    let oldest: [string, Entry<S>] | undefined;
    for (const pair of this.entries) {
      if (pair[1].lastUsed <= usedBefore && (!oldest || pair[1].lastUsed < oldest[1].lastUsed)) oldest = pair;
    }
    if (!oldest) return false;
    await this.closeOnItsOwn(oldest[0], "evicted");
    return true;
  }

  private async closeOnItsOwn(referrerUserId: string, why: "evicted" | "idle" | "lease_lost"): Promise<void> {
    this.logger.info({ referrerUserId, transport: this.options.name, why }, "session closed by the pool");
    if (why === "lease_lost") {
      const entry = this.entries.get(referrerUserId);
      this.entries.delete(referrerUserId);
      await entry?.session.close();
    } else {
      await this.release(referrerUserId);
    }
    this.options.onClosed?.(referrerUserId, why);
  }
}
