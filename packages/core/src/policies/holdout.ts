import type { SendWindow } from "../model/send-window.js";
import type { TargetGroup } from "../model/target.js";
import { nextAllowedInstant } from "./send-window.js";
import { stableHash32 } from "./stable-hash.js";

/** Buckets of the assignment: percentages with two decimals would still be exact. */
export const HOLDOUT_BUCKETS = 10_000;

/**
 * A referral's bucket in [0, HOLDOUT_BUCKETS): a pure function of its id ({@link stableHash32}). Every instance, retry and restart computes the same one; no state, no randomness.
 */
export function holdoutBucket(referralUserId: string): number {
  return stableHash32(referralUserId) % HOLDOUT_BUCKETS;
}

/**
 * The group of a new target while `holdoutPercent` > 0 (null without a holdout). The lowest
 * buckets are held out, so raising the share keeps everyone held out so far in the holdout.
 */
export function holdoutGroup(referralUserId: string, holdoutPercent: number): TargetGroup | null {
  if (!(holdoutPercent > 0)) return null;
  return holdoutBucket(referralUserId) < Math.round(holdoutPercent * (HOLDOUT_BUCKETS / 100)) ? "holdout" : "treated";
}

/**
 * When a held-out target's sequence would end: its last day would leave `totalDays - 1` days
 * after its first, and the first leaves at the send window's next opening, as a treated target's
 * does. The treated one completes right after that last send; the held-out one then.
 */
export function holdoutEnd(enteredAt: Date, timeZone: string, window: SendWindow, totalDays: number, dayIntervalMs: number): Date {
  const firstDay = nextAllowedInstant(enteredAt, timeZone, window);
  return new Date(firstDay.getTime() + Math.max(0, totalDays - 1) * dayIntervalMs);
}

/** Day of the loop at `at` for a target that entered at `enteredAt`: 1 during the first interval. */
export function loopDay(enteredAt: Date, at: Date, dayIntervalMs: number): number {
  return Math.max(1, Math.floor((at.getTime() - enteredAt.getTime()) / dayIntervalMs) + 1);
}
