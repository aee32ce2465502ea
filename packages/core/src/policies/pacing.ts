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
 * Hands out send instants per sender: each caller gets the earliest instant at or after
 * `earliest` that keeps the gap after the previous send of the same sender (reserved or
 * actually made, whichever is later). Reserving synchronously makes concurrent callers queue
 * instead of bunching up.
 */
export class SenderPacer {
  private readonly last = new Map<string, number>();

  constructor(
    private readonly policy: PacingPolicy,
    private readonly random: () => number,
  ) {}

  reserve(sender: string, earliest: Date): Date {
    const previous = this.last.get(sender);
    const slot = previous === undefined ? earliest.getTime() : Math.max(earliest.getTime(), previous + nextGapMs(this.policy, this.random));
    this.last.set(sender, slot);
    return new Date(slot);
  }

  /** Records when a send really happened (it may be later than its slot). */
  sent(sender: string, at: Date): void {
    this.last.set(sender, Math.max(this.last.get(sender) ?? 0, at.getTime()));
  }

  forget(sender: string): void {
    this.last.delete(sender);
  }
}
