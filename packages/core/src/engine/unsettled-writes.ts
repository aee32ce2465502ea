import type { Logger } from "../ports/logger.js";

/** One step of a pending write: done once it resolves, never run again after that. */
export type SettleStep = () => Promise<unknown>;

interface Entry {
  context: Record<string, unknown>;
  steps: SettleStep[];
}

/**
 * Writes this process owes the storage after an outage: what it knows and the storage could not
 * be told yet (a send that never left, a send that left but could not be recorded). Kept in
 * memory and settled first thing on the next dispatch runs, before a claim can expire and be
 * taken for a crash. Each step is a conditional write that is a no-op once applied, except a
 * counter's give-back, which is removed as soon as it succeeds so it is never repeated.
 */
export class UnsettledWrites {
  private readonly entries = new Map<string, Entry>();
  private settling: Promise<number> | null = null;

  get size(): number {
    return this.entries.size;
  }

  add(key: string, context: Record<string, unknown>, steps: SettleStep[]): void {
    this.entries.set(key, { context, steps: [...steps] });
  }

  /**
   * Settles in order; stops at the first failure (the storage is still away). A call while
   * another settles joins it: a give-back run twice would be counted twice (dispatch runs of one
   * process may overlap).
   */
  settle(logger: Logger): Promise<number> {
    this.settling ??= this.settleAll(logger).finally(() => {
      this.settling = null;
    });
    return this.settling;
  }

  private async settleAll(logger: Logger): Promise<number> {
    let settled = 0;
    for (const [key, entry] of this.entries) {
      while (entry.steps.length > 0) {
        try {
          await entry.steps[0]!();
        } catch (error) {
          logger.warn({ ...entry.context, err: String(error) }, "storage still unavailable: pending writes kept for the next run");
          return settled;
        }
        entry.steps.shift();
      }
      this.entries.delete(key);
      settled++;
      logger.info(entry.context, "pending writes settled after a storage outage");
    }
    return settled;
  }
}
