import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { DispatchResult, RelanceStorage } from "@relance/core";

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
  private readonly connectedReferrers = new Set<string>();

  constructor(storage: RelanceStorage) {
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
        const stats = await storage.targets.stats({});
        const exited = Object.values(stats.exited).reduce((sum, n) => sum + (n ?? 0), 0);
        this.set({ status: "active" }, stats.active);
        this.set({ status: "completed" }, stats.completed);
        this.set({ status: "exited" }, exited);
      },
    });
  }

  recordDispatch(result: DispatchResult): void {
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
