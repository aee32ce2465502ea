import { Cron } from "croner";
import type { Clock, ScheduledJob, Scheduler } from "@relance/core";

interface ClockJob {
  name: string;
  cron: Cron;
  task: () => Promise<unknown>;
  next: Date | null;
}

/**
 * Cron patterns (UTC) evaluated on a {@link Clock}'s time rather than the wall clock's: whoever
 * moves the clock calls {@link runDue}, and every job whose tick the clock has passed runs once
 * (ticks missed by a long step run once, as croner's `protect` would skip them). The demo drives
 * the real jobs this way through simulated days.
 */
export class ClockScheduler implements Scheduler {
  private readonly jobs: ClockJob[] = [];

  constructor(private readonly clock: Clock) {}

  schedule(name: string, pattern: string, task: () => Promise<unknown>): ScheduledJob {
    const cron = new Cron(pattern, { paused: true, timezone: "UTC" });
    const job: ClockJob = { name, cron, task, next: cron.nextRun(this.clock.now()) };
    this.jobs.push(job);
    return {
      stop: () => {
        const index = this.jobs.indexOf(job);
        if (index >= 0) this.jobs.splice(index, 1);
        cron.stop();
      },
    };
  }

  /** Runs, in the order they were scheduled, the jobs that came due; resolves with their names. */
  async runDue(): Promise<string[]> {
    const ran: string[] = [];
    for (const job of [...this.jobs]) {
      const now = this.clock.now();
      if (job.next === null || job.next > now) continue;
      job.next = job.cron.nextRun(now);
      await job.task();
      ran.push(job.name);
    }
    return ran;
  }
}
