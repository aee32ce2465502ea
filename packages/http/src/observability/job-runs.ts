import type { Logger as Pino } from "pino";
import type { ServiceMetrics } from "./metrics.js";

/**
 * Runs a job (scheduled or called on `/internal/jobs/*`), timed in the metrics, and writes one
 * line saying what it did: `dispatch run: sent 3, failed 0, deferred 1, held 0, exited 0 (840 ms)`,
 * the counts also as fields. A scheduled tick that was skipped or failed (null) has its own line
 * from the engine.
 */
export function jobRunner(metrics: ServiceMetrics, logger: Pino) {
  return async <T>(job: string, run: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    const result = await metrics.timeJob(job, run);
    if (result !== null && typeof result === "object") {
      const durationMs = Math.round(performance.now() - started);
      const fields = result as Record<string, unknown>;
      const counts = Object.entries(fields).filter((entry): entry is [string, number] => typeof entry[1] === "number");
      const summary = counts.map(([name, n]) => `${name} ${n}`).join(", ");
      const aborted = fields.aborted === true ? ", aborted" : "";
      logger.info({ job, durationMs, ...Object.fromEntries(counts), ...(fields.aborted === true ? { aborted: true, abortReason: fields.abortReason } : {}) }, `${job} run: ${summary || "done"}${aborted} (${durationMs} ms)`);
    }
    return result;
  };
}
