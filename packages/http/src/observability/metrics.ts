import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { DispatchResult, RelanceStorage, TargetStats } from "@relance/core";

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
  private readonly connectedReferrers = new Set<string>();
  readonly targetStats: CachedTargetStats;

  constructor(storage: RelanceStorage, options: { statsTtlMs?: number; now?: () => number } = {}) {
    const cached = (this.targetStats = new CachedTargetStats(storage, options.statsTtlMs, options.now));
    collectDefaultMetrics({ register: this.registry, prefix: "relance_process_" });
    const connected = this.connectedReferrers;
    new Gauge({
      name: "relance_sessions_connected",
      help: "WhatsApp sessions connected, as last reported to this process",
      registers: [this.registry],
      collect() {
        this.set(connected.size);
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
    if (status === "connected") this.connectedReferrers.add(referrerUserId);
    else this.connectedReferrers.delete(referrerUserId);
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
