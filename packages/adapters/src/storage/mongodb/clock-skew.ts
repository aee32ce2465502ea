import type { Db } from "mongodb";

/**
 * This process's clock minus the server's, in ms (positive: this clock is ahead), from the
 * server's `localTime` in `hello` against the midpoint of the round trip. Accurate to half the
 * round trip plus the server's millisecond rounding.
 */
export async function measureClockSkew(db: Db, now: () => number = Date.now): Promise<number> {
  const sent = now();
  const reply = await db.command({ hello: 1 });
  const received = now();
  const serverTime = reply.localTime instanceof Date ? reply.localTime.getTime() : Number.NaN;
  if (!Number.isFinite(serverTime)) throw new Error("the server's hello reply has no localTime");
  return Math.round((sent + received) / 2 - serverTime);
}

/**
 * Checks the skew on `init()` and then at most every `intervalMs` on `ping()` (readiness probes),
 * and reports it when above `maxSkewMs`: instances compare instants of each other's clocks
 * (leases, claims, day keys), which docs/storage.md ("Clocks") bounds far below `claimTtlMs`.
 */
export class ClockSkewWatch {
  private checkedAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly db: Db,
    private readonly report: (skewMs: number, maxSkewMs: number) => void,
    private readonly maxSkewMs: number,
    private readonly intervalMs = 10 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  async check(force = false): Promise<number | null> {
    if (!force && this.now() - this.checkedAt < this.intervalMs) return null;
    this.checkedAt = this.now();
    let skew: number;
    try {
      skew = await measureClockSkew(this.db, this.now);
    } catch {
      return null; // A server without localTime: nothing to compare with.
    }
    if (Math.abs(skew) > this.maxSkewMs) this.report(skew, this.maxSkewMs);
    return skew;
  }
}
