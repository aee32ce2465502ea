import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import { LINK_STATUSES, isStopReply, type DispatchResult, type RelanceStorage, type TargetStats, type TransportEvent } from "@relance/core";

/** How long global target stats are reused: computing them scans every target. */
export const STATS_TTL_MS = 5 * 60_000;

/**
 * Global target stats, recomputed at most once per `ttlMs` whatever the number of scrapes (and
 * one computation at a time): a scrape reads the last value, and a stale one starts a refresh
 * in the background. Only the very first scrape waits for it.
 */
export class CachedTargetStats {
  private value: TargetStats | null = null;
  private computedAt = 0;
  private refreshing: Promise<void> | null = null;

  constructor(
    private readonly storage: RelanceStorage,
    private readonly ttlMs = STATS_TTL_MS,
    private readonly now: () => number = Date.now,
  ) {}

  async get(): Promise<TargetStats | null> {
    if (this.value === null) await this.refresh();
    else if (this.now() - this.computedAt >= this.ttlMs) void this.refresh();
    return this.value;
  }

  /** Seconds since the value was computed (null before the first). */
  ageSeconds(): number | null {
    return this.value === null ? null : (this.now() - this.computedAt) / 1000;
  }

  private refresh(): Promise<void> {
    this.refreshing ??= (async () => {
      try {
        this.value = await this.storage.targets.stats({});
        this.computedAt = this.now();
      } catch {
        // Kept: the last value stays served; the next scrape after the TTL tries again.
        this.computedAt = this.now();
      } finally {
        this.refreshing = null;
      }
    })();
    return this.refreshing;
  }
}

/** Prometheus metrics of the service, on their own registry. */
export class ServiceMetrics {
  readonly registry = new Registry();
  readonly messages = new Counter({
    name: "relance_messages_total",
    help: "Dispatch outcomes per target: sent, failed, deferred, held, exited",
    labelNames: ["outcome"] as const,
    registers: [this.registry],
  });
  readonly jobDuration = new Histogram({
    name: "relance_job_duration_seconds",
    help: "Duration of enrollment and dispatch runs",
    labelNames: ["job"] as const,
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300],
    registers: [this.registry],
  });
  readonly httpRequests = new Counter({
    name: "relance_http_requests_total",
    help: "HTTP requests by method, route and status",
    labelNames: ["method", "route", "status"] as const,
    registers: [this.registry],
  });
  readonly dispatchAborted = new Counter({
    name: "relance_dispatch_aborted_total",
    help: "Dispatch runs cut short because the storage failed (their counts are partial)",
    registers: [this.registry],
  });
  readonly receipts = new Counter({
    name: "relance_receipts_total",
    help: "Receipts WhatsApp gave for messages sent from this process's sessions, by status",
    labelNames: ["status"] as const,
    registers: [this.registry],
  });
  readonly replies = new Counter({
    name: "relance_replies_total",
    help: "Referrals who answered a relance (other than STOP), counted once per referral when their referrer is told",
    registers: [this.registry],
  });
  readonly optOuts = new Counter({
    name: "relance_opt_outs_total",
    help: "STOP messages received: each puts its sender on the do-not-contact list for good",
    registers: [this.registry],
  });
  readonly sendDuration = new Histogram({
    name: "relance_send_duration_seconds",
    help: "Time the transport took to send one day's message (text and media), by outcome: sent, unavailable (held), failed",
    labelNames: ["outcome"] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
    registers: [this.registry],
  });
  /** Each referrer's last link status seen by this process. */
  private readonly linkStatuses = new Map<string, string>();
  readonly targetStats: CachedTargetStats;

  constructor(storage: RelanceStorage, options: { statsTtlMs?: number; now?: () => number } = {}) {
    // Present at 0 from the first scrape, so rate() and increase() see the first event.
    for (const status of ["delivered", "read", "failed"]) this.receipts.inc({ status }, 0);
    const cached = (this.targetStats = new CachedTargetStats(storage, options.statsTtlMs, options.now));
    // Standard names (process_cpu_user_seconds_total, nodejs_eventloop_lag_seconds…): stock Node.js dashboards find them.
    collectDefaultMetrics({ register: this.registry });
    const statuses = this.linkStatuses;
    const countOf = (status: string) => [...statuses.values()].filter((s) => s === status).length;
    new Gauge({
      name: "relance_sessions_connected",
      help: "WhatsApp sessions connected, as last reported to this process",
      registers: [this.registry],
      collect() {
        this.set(countOf("connected"));
      },
    });
    new Gauge({
      name: "relance_sessions",
      help: "Referrers' WhatsApp links by status, as last reported to this process",
      labelNames: ["status"] as const,
      registers: [this.registry],
      collect() {
        for (const status of LINK_STATUSES) this.set({ status }, countOf(status));
      },
    });
    new Gauge({
      name: "relance_targets",
      help: "Targets by status",
      labelNames: ["status"] as const,
      registers: [this.registry],
      async collect() {
        const stats = await cached.get();
        if (!stats) return;
        const exited = Object.values(stats.exited).reduce((sum, n) => sum + (n ?? 0), 0);
        this.set({ status: "active" }, stats.active);
        this.set({ status: "completed" }, stats.completed);
        this.set({ status: "exited" }, exited);
        // Held-out targets whose sequence is still running: the enrolled ones in none of the above.
        this.set({ status: "holdout" }, Math.max(0, stats.enrolled - stats.active - stats.completed - exited));
      },
    });
  }

  recordDispatch(result: DispatchResult): void {
    if (result.aborted) this.dispatchAborted.inc();
    for (const outcome of ["sent", "failed", "deferred", "held", "exited"] as const) {
      if (result[outcome] > 0) this.messages.inc({ outcome }, result[outcome]);
    }
  }

  linkStatusChanged(referrerUserId: string, status: string): void {
    this.linkStatuses.set(referrerUserId, status);
  }

  /** Receipts and STOPs as the transport reports them. */
  transportEvent(event: TransportEvent): void {
    if (event.type === "receipt") this.receipts.inc({ status: event.status });
    else if (event.type === "inbound" && isStopReply(event.text)) this.optOuts.inc();
  }

  /** Times a job run and records dispatch outcomes. */
  async timeJob<T>(job: string, run: () => Promise<T>): Promise<T> {
    const end = this.jobDuration.startTimer({ job });
    try {
      const result = await run();
      if (job === "dispatch" && result && typeof result === "object") this.recordDispatch(result as unknown as DispatchResult);
      return result;
    } finally {
      end();
    }
  }
}
