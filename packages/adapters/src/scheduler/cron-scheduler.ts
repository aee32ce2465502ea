import { Cron } from "croner";
import { silentLogger, type Logger, type ScheduledJob, type Scheduler } from "@relance/core";

/** Cron patterns evaluated in UTC by croner. */
export class CronScheduler implements Scheduler {
  constructor(private readonly logger: Logger = silentLogger) {}

  schedule(name: string, pattern: string, task: () => Promise<unknown>): ScheduledJob {
    const job = new Cron(pattern, { name: `relance-${name}`, timezone: "UTC", protect: true, catch: true }, async () => {
      const started = Date.now();
      try {
        await task();
      } catch (error) {
        this.logger.error({ job: name, err: String(error) }, "scheduled job failed");
      } finally {
        this.logger.debug({ job: name, durationMs: Date.now() - started }, "scheduled job finished");
      }
    });
    return { stop: () => job.stop() };
  }
}
