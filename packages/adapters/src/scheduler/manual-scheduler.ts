import type { ScheduledJob, Scheduler } from "@relance/core";

/** Jobs run only when a test calls `tick(name)`. */
export class ManualScheduler implements Scheduler {
  private readonly jobs = new Map<string, { pattern: string; task: () => Promise<unknown> }>();

  schedule(name: string, pattern: string, task: () => Promise<unknown>): ScheduledJob {
    this.jobs.set(name, { pattern, task });
    return { stop: () => this.jobs.delete(name) };
  }

  has(name: string): boolean {
    return this.jobs.has(name);
  }

  patternOf(name: string): string | undefined {
    return this.jobs.get(name)?.pattern;
  }

  /** Fires one tick of the job; resolves when its task settles. */
  async tick(name: string): Promise<unknown> {
    const job = this.jobs.get(name);
    if (!job) throw new Error(`[manual-scheduler] no job named ${name}`);
    return job.task();
  }
}
