import type { Clock } from "@relance/core";

/**
 * How many Chromiums the listen job may start: a token bucket, one token every `intervalMs`,
 * at most `burst` kept. The job only wants replies read; with more referrers than Chromiums it
 * would otherwise restore (and log into WhatsApp Web from this server's address) continuously.
 */
export class ListenBudget {
  private tokens: number;
  private updatedAt: number;

  constructor(
    private readonly clock: Clock,
    private readonly burst: number,
    private readonly intervalMs: number,
  ) {
    this.tokens = burst;
    this.updatedAt = clock.now().getTime();
  }

  /** Takes a token when one is left. */
  take(): boolean {
    const now = this.clock.now().getTime();
    if (this.intervalMs > 0) {
      this.tokens = Math.min(this.burst, this.tokens + (now - this.updatedAt) / this.intervalMs);
    } else {
      this.tokens = this.burst;
    }
    this.updatedAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
