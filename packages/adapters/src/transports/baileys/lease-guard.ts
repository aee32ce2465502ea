import type { Clock, Logger } from "@relance/core";
import { messageOf } from "../session/error-message.js";

/** How long a confirmed lease is trusted before the next write reads it again. */
export const LEASE_RECHECK_MS = 10_000;

/**
 * `mayWrite` for a session's auth state (B6): whether this process still holds the session's
 * lease, read from storage when the last confirmation is older than `recheckMs`. The pool renews
 * leases every 20 s and only notices a lost one then; a process that stalled past its lease (GC,
 * a blocked event loop) would meanwhile write the creds and signal keys of the process that took
 * it over. Once lost, always lost. A read that fails lets the write run (it most likely fails too).
 */
export function leaseGuard(options: { ownsLease: () => Promise<boolean>; clock: Clock; logger: Logger; referrerUserId: string; recheckMs?: number }): () => Promise<boolean> {
  const { ownsLease, clock, logger, referrerUserId, recheckMs = LEASE_RECHECK_MS } = options;
  // Created under the lease the pool has just taken.
  let confirmedAt = clock.now().getTime();
  let lost = false;
  return async () => {
    if (lost) return false;
    const now = clock.now().getTime();
    if (now - confirmedAt < recheckMs) return true;
    let owned: boolean;
    try {
      owned = await ownsLease();
    } catch (error) {
      logger.warn({ referrerUserId, err: messageOf(error) }, "baileys session lease could not be read before a write");
      return true;
    }
    if (owned) {
      confirmedAt = now;
      return true;
    }
    lost = true;
    logger.warn({ referrerUserId }, "baileys session lease is held by another process: its stored creds and keys are no longer written here");
    return false;
  };
}
