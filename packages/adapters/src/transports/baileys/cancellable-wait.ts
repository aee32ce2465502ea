import type { Clock } from "@relance/core";

const STEP_MS = 1_000;

/**
 * Waits `ms` on the clock, and can be cut short. A clock's sleep cannot be cancelled: short steps
 * let a cancel end the wait (and its timer) within a second, and racing each step lets it end at
 * once. Resolves true when the time ran out, false when cancelled.
 */
export function cancellableWait(clock: Clock, ms: number): { done: Promise<boolean>; cancel: () => void } {
  let cancelled = false;
  let wake!: () => void;
  const woken = new Promise<void>((resolve) => (wake = resolve));
  const deadline = clock.now().getTime() + ms;
  const done = (async () => {
    while (!cancelled && clock.now().getTime() < deadline) {
      await Promise.race([clock.sleep(Math.min(STEP_MS, deadline - clock.now().getTime())), woken]);
    }
    return !cancelled;
  })();
  return {
    done,
    cancel: () => {
      cancelled = true;
      wake();
    },
  };
}
