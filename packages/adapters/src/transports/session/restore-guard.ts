import { SessionDrivenElsewhereError } from "@relance/core";
import type { SessionRepository } from "../../ports/session-repository.js";
import type { SessionCipher } from "../../crypto/session-cipher.js";

/**
 * When `ensureReady` must not bring a stored session back on its own, for both drivers. Two
 * reasons, each lifted only by the referrer's own `connect`:
 *
 * - the referrer closed it (`disconnect` without logout): a marker stored with the session, so
 *   that no process restores it, here or after a restart;
 * - WhatsApp ended it for a reason another try would only repeat or make worse (replaced by
 *   another connection, banned, a multi-device mismatch): kept by this process.
 */

/** Session entry set by `disconnect` without logout; cleared with the session on logout. */
export const CLOSED_BY_REFERRER_KEY = "closed-by-referrer";

/**
 * The marker's stored value: when the referrer closed the session, encrypted with the session id
 * and key as AAD like every entry, so that a key rotation over the session's entries finds only
 * cipher blobs. Only its presence is read.
 */
export function closedByReferrerValue(cipher: SessionCipher, sessionId: string, at: Date): string {
  return cipher.encrypt(at.toISOString(), { aad: JSON.stringify([sessionId, CLOSED_BY_REFERRER_KEY]) });
}

export interface ClosedByReferrer {
  isSet(): Promise<boolean>;
  set(at: Date): Promise<void>;
  clear(): Promise<void>;
}

export function closedByReferrer(sessions: SessionRepository, cipher: SessionCipher, sessionId: string): ClosedByReferrer {
  return {
    async isSet() {
      return (await sessions.get(sessionId, [CLOSED_BY_REFERRER_KEY]))[CLOSED_BY_REFERRER_KEY] !== undefined;
    },
    set: (at) => sessions.set(sessionId, { [CLOSED_BY_REFERRER_KEY]: closedByReferrerValue(cipher, sessionId, at) }),
    clear: () => sessions.set(sessionId, { [CLOSED_BY_REFERRER_KEY]: null }),
  };
}

/** Sessions WhatsApp ended for good as far as this process goes (replaced, banned): never restored on their own. */
export class RestoreBlocks {
  private readonly blocked = new Set<string>();

  constructor(private readonly transportName: string) {}

  block(referrerUserId: string): void {
    this.blocked.add(referrerUserId);
  }

  /** The referrer connects again, or logs out. */
  lift(referrerUserId: string): void {
    this.blocked.delete(referrerUserId);
  }

  has(referrerUserId: string): boolean {
    return this.blocked.has(referrerUserId);
  }

  /**
   * `ensureReady`'s check: true when the session must be left alone (answer with its state).
   * "Replaced by another connection" is the normal end of a takeover by another process of ours:
   * when one holds the lease, it drives the session now, so this is no outage to hold and report.
   */
  async holds(referrerUserId: string, pool: { heldElsewhere(referrerUserId: string): Promise<boolean> }): Promise<boolean> {
    if (!this.blocked.has(referrerUserId)) return false;
    if (await pool.heldElsewhere(referrerUserId)) {
      throw new SessionDrivenElsewhereError(`[${this.transportName}] the session of ${referrerUserId} is driven by another process`);
    }
    return true;
  }
}
