export type RetryDecision = { kind: "retry"; at: Date } | { kind: "give_up" };

/**
 * After the `failedAttempts`-th failure of a day: retry after the matching backoff, or give up
 * once every backoff was used (15 min, 1 h, 4 h by default: three retries, then `send_failed`).
 */
export function decideRetry(failedAttempts: number, now: Date, backoffsMs: readonly number[]): RetryDecision {
  const backoff = backoffsMs[failedAttempts - 1];
  if (backoff === undefined) return { kind: "give_up" };
  return { kind: "retry", at: new Date(now.getTime() + backoff) };
}
