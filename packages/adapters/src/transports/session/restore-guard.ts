import { SessionDrivenElsewhereError, type LinkState } from "@relance/core";
import type { SessionRepository } from "../../ports/session-repository.js";
import type { SessionCipher } from "../../crypto/session-cipher.js";
import { encryptedEntries } from "./encrypted-entries.js";
import type { LinkRegistry } from "./link-registry.js";

/**
 * When `ensureReady` must not bring a stored session back on its own, for both drivers. Two
 * reasons, each lifted only by the referrer's own `connect`:
 *
 * - the referrer closed it (`disconnect` without logout): a marker stored with the session, so
 *   that no process restores it, here or after a restart;
 * - WhatsApp ended it for a reason another try would only repeat or make worse (replaced by
 *   another connection, banned, a multi-device mismatch): stored with the session too
 *   (`RESTORE_BLOCKED_KEY`), so that another instance, or this one after a restart, does not
 *   restore it either. A block that is this process's own business (it has no WhatsApp Web build
 *   left) stays in its memory.
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

/** Session entry set when WhatsApp ended the session for good (replaced, banned); cleared by the referrer's connect or a logout. */
export const RESTORE_BLOCKED_KEY = "restore-blocked";

/** Where the stored blocks live: the session repository, encrypted like every entry. */
export interface RestoreBlockStore {
  sessions: SessionRepository;
  cipher: SessionCipher;
  sessionIdOf(referrerUserId: string): string;
}

/** What `holds` needs of the session pool. */
export interface LeaseView {
  heldElsewhere(referrerUserId: string): Promise<boolean>;
}

interface StoredBlock {
  reason: string;
  at: string;
}

/** Sessions WhatsApp ended for good (replaced, banned): never restored on their own, by any process. */
export class RestoreBlocks {
  /** Referrer → why, as this process knows it. */
  private readonly blocked = new Map<string, string>();
  private readonly writes = new Set<Promise<void>>();

  constructor(
    private readonly transportName: string,
    private readonly store?: RestoreBlockStore,
  ) {}

  /**
   * WhatsApp ended the session for `reason`. `scope: "session"` stores the block with the session
   * (every process, every restart), unless another process of ours holds the lease: a session
   * "replaced by another connection" is then the normal end of its takeover, and that process
   * drives it now. `scope: "process"`: only this process (its own configuration is the cause).
   * Resolves once stored; in this process it holds at once.
   */
  block(referrerUserId: string, reason: string, options: { scope: "session" | "process"; pool: LeaseView; at: Date }): Promise<void> {
    this.blocked.set(referrerUserId, reason);
    const store = this.store;
    if (options.scope === "process" || !store) return Promise.resolve();
    const write = (async () => {
      if (await options.pool.heldElsewhere(referrerUserId)) return;
      const value: StoredBlock = { reason, at: options.at.toISOString() };
      await encryptedEntries(store.sessions, store.cipher, store.sessionIdOf(referrerUserId)).write({ [RESTORE_BLOCKED_KEY]: value });
    })();
    this.writes.add(write);
    return write.finally(() => this.writes.delete(write));
  }

  /** The referrer connects again, or logs out: lifted here and in storage. */
  async lift(referrerUserId: string): Promise<void> {
    this.blocked.delete(referrerUserId);
    if (!this.store) return;
    const sessionId = this.store.sessionIdOf(referrerUserId);
    // Deleted only when there (a write of nothing to a session that is not stored would create it).
    const stored = await this.store.sessions.get(sessionId, [RESTORE_BLOCKED_KEY]);
    if (stored[RESTORE_BLOCKED_KEY] !== undefined) await this.store.sessions.set(sessionId, { [RESTORE_BLOCKED_KEY]: null });
  }

  /** Whether this process knows of a block (memory only). */
  has(referrerUserId: string): boolean {
    return this.blocked.has(referrerUserId);
  }

  /**
   * `ensureReady`'s check: the reason when the session must be left alone (answer with
   * `blockedState`), null when it may be restored. Read from storage when this process knows of
   * no block. "Replaced by another connection" is the normal end of a takeover by another process
   * of ours: when one holds the lease, it drives the session now, so this is no outage to hold
   * and report.
   */
  async holds(referrerUserId: string, pool: LeaseView): Promise<string | null> {
    const reason = this.blocked.get(referrerUserId) ?? (await this.storedReason(referrerUserId));
    if (reason === null) return null;
    if (await pool.heldElsewhere(referrerUserId)) {
      throw new SessionDrivenElsewhereError(`[${this.transportName}] the session of ${referrerUserId} is driven by another process`);
    }
    return reason;
  }

  /** Resolves once the blocks being stored are written (a transport's close). */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.writes]);
  }

  private async storedReason(referrerUserId: string): Promise<string | null> {
    if (!this.store) return null;
    const found = await encryptedEntries(this.store.sessions, this.store.cipher, this.store.sessionIdOf(referrerUserId)).read<StoredBlock>([RESTORE_BLOCKED_KEY]);
    return found.get(RESTORE_BLOCKED_KEY)?.reason ?? null;
  }
}

/**
 * The state `ensureReady` answers for a blocked session: the referrer's failed state as this
 * process knows it, or (another process, a restart) one built from the stored reason, recorded
 * quietly (nothing changed for the referrer).
 */
export function blockedState(links: LinkRegistry, referrerUserId: string, reason: string): LinkState {
  const known = links.get(referrerUserId);
  if (known?.status === "failed") return { ...known };
  const state: LinkState = { status: "failed", phone: known?.phone ?? null, reason };
  links.set(referrerUserId, state);
  return { ...state };
}
