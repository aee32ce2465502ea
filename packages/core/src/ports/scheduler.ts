/** A recurring job registered by the engine's `start()`. */
export interface ScheduledJob {
  stop(): void;
}

/** Runs tasks on a cron pattern (e.g. `* * * * *`, in UTC). */
export interface Scheduler {
  /**
   * Calls `task` on every tick of `pattern`. The engine itself makes a tick skip while the
   * previous run of the same job is still going, so the scheduler need not.
   */
  schedule(name: string, pattern: string, task: () => Promise<unknown>): ScheduledJob;
}
