/**
 * Runs `work` over `items` with at most `limit` in flight, each item once, and resolves when all
 * are done. `work` is expected to catch its own failures: one that throws rejects the call at
 * once, while the other workers go on through the remaining items unawaited.
 */
export async function forEachWithConcurrency<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++]!;
      await work(item);
    }
  });
  await Promise.all(workers);
}

/** Senders driven at once: the configured limit, never more than the transport can hold. */
export function senderConcurrency(maxConcurrentSenders: number, transportMaxSessions: number | undefined): number {
  const cap = transportMaxSessions !== undefined && transportMaxSessions >= 1 ? Math.floor(transportMaxSessions) : Number.POSITIVE_INFINITY;
  return Math.max(1, Math.min(maxConcurrentSenders, cap));
}
