import type { Clock } from "@relance/core";

interface Sleeper {
  wakeAt: number;
  resolve: () => void;
}

export interface ManualClockOptions {
  /**
   * When every pending piece of work is asleep (checked once the current microtasks have run),
   * jump to the earliest wake-up. Lets pacing sleeps pass instantly in virtual time while
   * parallel senders still interleave as they would in real time. Default true.
   */
  autoAdvance?: boolean;
}

/** A clock that only moves when told to (tests, sandbox, simulations). */
export class ManualClock implements Clock {
  private current: number;
  private readonly sleepers: Sleeper[] = [];
  private readonly autoAdvance: boolean;
  private autoAdvanceScheduled = false;
  /** Every sleep requested, in order: lets tests check pacing. */
  readonly sleeps: Array<{ at: Date; ms: number }> = [];

  constructor(start: Date | string = "2026-01-05T09:00:00.000Z", options: ManualClockOptions = {}) {
    this.current = new Date(start).getTime();
    if (Number.isNaN(this.current)) throw new RangeError(`ManualClock: invalid start ${String(start)}`);
    this.autoAdvance = options.autoAdvance ?? true;
  }

  now(): Date {
    return new Date(this.current);
  }

  /** Moves time forward and wakes the sleepers that are due. */
  advance(ms: number): Date {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`ManualClock: cannot advance by ${ms}`);
    this.current += ms;
    this.wakeDue();
    return this.now();
  }

  /** Jumps to an instant (forward or backward). */
  set(instant: Date | string): Date {
    const next = new Date(instant).getTime();
    if (Number.isNaN(next)) throw new RangeError(`ManualClock: invalid instant ${String(instant)}`);
    this.current = next;
    this.wakeDue();
    return this.now();
  }

  sleep(ms: number): Promise<void> {
    this.sleeps.push({ at: this.now(), ms });
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.sleepers.push({ wakeAt: this.current + ms, resolve });
      if (this.autoAdvance) this.scheduleAutoAdvance();
    });
  }

  get pendingSleeps(): number {
    return this.sleepers.length;
  }

  private scheduleAutoAdvance(): void {
    if (this.autoAdvanceScheduled) return;
    this.autoAdvanceScheduled = true;
    setImmediate(() => {
      this.autoAdvanceScheduled = false;
      if (this.sleepers.length === 0) return;
      const earliest = Math.min(...this.sleepers.map((s) => s.wakeAt));
      if (earliest > this.current) this.current = earliest;
      this.wakeDue();
      if (this.sleepers.length > 0) this.scheduleAutoAdvance();
    });
  }

  private wakeDue(): void {
    const due = this.sleepers.filter((s) => s.wakeAt <= this.current);
    if (due.length === 0) return;
    for (const sleeper of due) this.sleepers.splice(this.sleepers.indexOf(sleeper), 1);
    for (const sleeper of due) sleeper.resolve();
  }
}
