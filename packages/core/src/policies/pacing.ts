/** Spacing between two sends of the same WhatsApp account. */
export interface PacingPolicy {
  delayMs: number;
  /** Upper bound of the random extra delay, so sends do not tick like a metronome. */
  jitterMs: number;
}

/** A gap in [delayMs, delayMs + jitterMs]; `random` returns a number in [0, 1). */
export function nextGapMs(policy: PacingPolicy, random: () => number): number {
  const jitter = Math.floor(Math.min(Math.max(random(), 0), 0.999_999_999) * (policy.jitterMs + 1));
  return policy.delayMs + jitter;
}

/**
 * Hands out send slots per sender: each caller gets the earliest instant that keeps the gap after
 * the previous slot of the same sender. Reserving synchronously makes concurrent callers queue
 * instead of bunching up.
 */
export class SenderPacer {
  private readonly lastSlot = new Map<string, number>();

  constructor(
    private readonly policy: PacingPolicy,
    private readonly random: () => number,
  ) {}

  reserve(sender: string, now: Date): Date {
    const previous = this.lastSlot.get(sender);
    const slot = previous === undefined ? now.getTime() : Math.max(now.getTime(), previous + nextGapMs(this.policy, this.random));
    this.lastSlot.set(sender, slot);
    return new Date(slot);
  }

  forget(sender: string): void {
    this.lastSlot.delete(sender);
  }
}
