/**
 * The senders this process is driving through a dispatch run, and how many it may drive at once.
 *
 * A paced sender's batch lasts as long as its pacing says (25 first contacts 45-120 s apart: about
 * 35 minutes). Dispatch runs may therefore overlap: the scheduler starts a new run while earlier
 * ones still pace their senders, and that run skips the senders already driven here and starts
 * the others at their own day start. The lease alone cannot tell: it is re-entrant for the process
 * that holds it (a renewal), so two runs of one process would both take it — and the first to end
 * would release it under the other.
 *
 * The limit is process-wide, across overlapping runs: never more senders at once than
 * `maxConcurrentSenders` and the transport's session cap allow.
 */
export class SenderDrives {
  private readonly driving = new Set<string>();
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  /** `limit` is read at each start: a transport may change its session cap while running. */
  constructor(private readonly limit: () => number) {}

  /**
   * Runs `work` as the process's only drive of `sender`, once a slot is free. False, without
   * running it, when this process drives that sender already (an earlier run still paces it).
   */
  async drive(sender: string, work: () => Promise<void>): Promise<boolean> {
    if (this.driving.has(sender)) return false;
    this.driving.add(sender);
    try {
      while (this.active >= Math.max(1, this.limit())) await new Promise<void>((resolve) => this.waiting.push(resolve));
      this.active++;
      try {
        await work();
      } finally {
        this.active--;
        this.waiting.shift()?.();
      }
      return true;
    } finally {
      this.driving.delete(sender);
    }
  }

  /** Whether a run of this process is driving (or about to drive) `sender`. */
  isDriving(sender: string): boolean {
    return this.driving.has(sender);
  }

  /** Senders being driven or waiting for a slot. */
  get size(): number {
    return this.driving.size;
  }
}
