import type { E164, Logger, TransportEvent, TransportListener } from "@relance/core";
import type { SessionRepository } from "../../ports/session-repository.js";
import { SessionCryptoError, type SessionCipher } from "../../crypto/session-cipher.js";

/**
 * The durable inbound journal (issue 18, review B2): both libraries acknowledge a message to
 * WhatsApp before they surface it (Baileys sends the delivery receipt first,
 * messages-recv.js:1417 then 1432; whatsapp-web.js marks it received in the page), so WhatsApp
 * never sends it again. Each reply is therefore written here, encrypted with the session, before
 * it is handed to the engine, and removed only once the engine acknowledged it (the listener's
 * promise, `TransportListener`). What is left (the process died, the database failed, nobody
 * listened) is handed over again when the session is next brought up, by any process: the
 * journal lives in the session repository, so it works on every storage.
 */

/** One reply as handed to the engine. */
export interface JournalEntry {
  /** Unique per reply and sender: a second write of the same id is the same reply. */
  id: string;
  from: E164;
  text: string;
  /** When WhatsApp received it (ISO-8601). */
  at: string;
}

export const JOURNAL_KEY = "inbox.journal";
/** Entries kept at most: a bound on a session's storage when nothing acknowledges for long. */
export const MAX_JOURNAL_ENTRIES = 1000;
/** How long `close` waits for the engine to acknowledge what was handed over; the rest is replayed. */
export const DEFAULT_ACK_WAIT_MS = 10_000;
/**
 * Compare-and-set attempts before a write gives up. Two processes write one journal only during a
 * lease takeover; each failed attempt means the other's write went through, and a short random
 * pause lets this one in.
 */
const WRITE_ATTEMPTS = 30;

/**
 * The entries of one session, as one encrypted value (AAD `[sessionId, key]`, like every session
 * entry). Writes are compare-and-set (`replaceIf`): a process that lost the session's lease and
 * still removes an entry never erases one the new owner added.
 */
export class JournalStore {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly sessions: SessionRepository,
    private readonly cipher: SessionCipher,
    readonly sessionId: string,
  ) {}

  async list(): Promise<JournalEntry[]> {
    await this.queue.catch(() => undefined);
    return (await this.read()).entries;
  }

  /** Adds entries (an id already there is kept as it is); the oldest go past the bound. Returns how many were dropped. */
  add(entries: readonly JournalEntry[]): Promise<number> {
    let dropped = 0;
    return this.update((current) => {
      const known = new Set(current.map((e) => e.id));
      const fresh = entries.filter((e) => !known.has(e.id));
      if (fresh.length === 0) return null;
      const next = [...current, ...fresh];
      dropped = Math.max(0, next.length - MAX_JOURNAL_ENTRIES);
      return next.slice(dropped);
    }).then(() => dropped);
  }

  remove(ids: readonly string[]): Promise<void> {
    const gone = new Set(ids);
    return this.update((current) => {
      const next = current.filter((e) => !gone.has(e.id));
      return next.length === current.length ? null : next;
    });
  }

  /** Erasure: every entry of `from` goes (no write when there is none). */
  removeFrom(from: E164): Promise<void> {
    return this.update((current) => {
      const next = current.filter((e) => e.from !== from);
      return next.length === current.length ? null : next;
    });
  }

  /** `change` returns the new list, or null when nothing changes (no write). */
  private update(change: (entries: JournalEntry[]) => JournalEntry[] | null): Promise<void> {
    const run = this.queue.catch(() => undefined).then(async () => {
      for (let attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
        const { entries, blob } = await this.read();
        const next = change(entries);
        if (next === null) return;
        if (blob === undefined) {
          // Nothing stored yet: a plain write. Only an add gets here (a removal from an absent
          // journal changes nothing), so a logout's clear is never undone by a late removal.
          await this.sessions.set(this.sessionId, { [JOURNAL_KEY]: this.encode(next) });
          return;
        }
        // Emptied, the key stays (an encrypted empty list): deleting it could not be conditional.
        if (await this.sessions.replaceIf(this.sessionId, JOURNAL_KEY, blob, this.encode(next))) return;
        await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(50, 2 * (attempt + 1))));
      }
      throw new Error(`the inbound journal of ${this.sessionId} kept changing under this process: not written`);
    });
    this.queue = run;
    return run;
  }

  private async read(): Promise<{ entries: JournalEntry[]; blob: string | undefined }> {
    const blob = (await this.sessions.get(this.sessionId, [JOURNAL_KEY]))[JOURNAL_KEY];
    if (blob === undefined) return { entries: [], blob };
    try {
      return { entries: JSON.parse(this.cipher.decrypt(blob, { aad: this.aad() }).plaintext) as JournalEntry[], blob };
    } catch (error) {
      throw new SessionCryptoError(`Cannot decrypt ${JOURNAL_KEY} of WhatsApp session ${this.sessionId}: ${error instanceof Error ? error.message : String(error)}`, error);
    }
  }

  private encode(entries: readonly JournalEntry[]): string {
    return this.cipher.encrypt(JSON.stringify(entries), { aad: this.aad() });
  }

  private aad(): string {
    return JSON.stringify([this.sessionId, JOURNAL_KEY]);
  }
}

/**
 * Hands an event to every listener and resolves once all of them acknowledged it; rejects when
 * one refused (threw, or its promise rejected) or when nobody listens (the engine stopped):
 * the message then stays in the journal.
 */
export async function deliverToListeners(listeners: Iterable<TransportListener>, event: TransportEvent): Promise<void> {
  const results: unknown[] = [];
  for (const listener of [...listeners]) {
    try {
      results.push(listener(event));
    } catch (error) {
      results.push(Promise.reject(error));
    }
  }
  if (results.length === 0) throw new Error("no listener: the message waits in the journal for the next ready");
  await Promise.all(results);
}

export interface InboundJournalsOptions {
  sessions: SessionRepository;
  cipher: SessionCipher;
  logger: Logger;
  /** The session repository id of a referrer's session. */
  sessionIdOf(referrerUserId: string): string;
  /** Hands the reply to the listeners; resolves once acknowledged (see `deliverToListeners`). */
  deliver(event: Extract<TransportEvent, { type: "inbound" }>): Promise<void>;
  /** Longest wait in `settled` (transport close) for acknowledgements; default 10 s. */
  ackWaitMs?: number;
}

/** A reply as a driver read it. */
export interface JournaledReply {
  id: string;
  from: E164;
  text: string;
  at: Date;
}

/**
 * The journals of one transport's sessions: `accept` writes then hands over, `replay` hands over
 * what an earlier run left, `settled` waits for the acknowledgements (a close's flush). A reply is
 * never handed over twice at once by one process; a replay may hand over one already handled
 * (the process died between the engine's write and the removal): the engine's handling is
 * idempotent.
 */
export class InboundJournals {
  private readonly stores = new Map<string, JournalStore>();
  /** Handed over and not acknowledged yet, by `${referrerUserId}\u0000${id}`. */
  private readonly inFlight = new Map<string, Promise<void>>();
  /** Referrers with a reply the engine refused in this process: retried on their next ready. */
  private readonly refused = new Set<string>();

  constructor(private readonly options: InboundJournalsOptions) {}

  /**
   * Writes the replies to the session's journal, then hands them to the engine. Resolves once
   * written (not once acknowledged): the caller may then let the library forget them. Rejects
   * when they could not be written; they are still handed over (better at least once now than
   * never), and the failure is the caller's to log.
   */
  async accept(referrerUserId: string, replies: readonly JournaledReply[]): Promise<void> {
    if (replies.length === 0) return;
    const entries = replies.map((r) => ({ id: r.id, from: r.from, text: r.text, at: r.at.toISOString() }));
    try {
      const dropped = await this.store(referrerUserId).add(entries);
      if (dropped > 0) this.options.logger.warn({ referrerUserId, dropped }, "inbound journal full: the oldest unacknowledged replies were dropped");
    } finally {
      for (const entry of entries) this.handOver(referrerUserId, entry);
    }
  }

  /**
   * Hands over again what the session's journal holds and this process is not already handing
   * over: run when the session is brought up (under its lease). Resolves once handed over (the
   * engine tracks them before its next send); returns how many.
   */
  async replay(referrerUserId: string): Promise<number> {
    this.refused.delete(referrerUserId);
    const left = (await this.store(referrerUserId).list()).filter((e) => !this.inFlight.has(this.keyOf(referrerUserId, e.id)));
    for (const entry of left) this.handOver(referrerUserId, entry);
    if (left.length > 0) this.options.logger.info({ referrerUserId, replies: left.length }, "replies not acknowledged by an earlier run handed over again");
    return left.length;
  }

  /** Replays only when the engine refused a reply of this referrer since the last replay (no storage read otherwise). */
  async retryRefused(referrerUserId: string): Promise<number> {
    return this.refused.has(referrerUserId) ? this.replay(referrerUserId) : 0;
  }

  /**
   * Erasure: the replies of `phone` still in the referrer's journal go, so that no replay hands
   * them over again. One being handed over now may still reach the engine (its removal after the
   * acknowledgement is then a no-op); the erasure deletes what the engine made of it.
   */
  async forget(referrerUserId: string, phone: E164): Promise<void> {
    await this.store(referrerUserId).removeFrom(phone);
  }

  /** Resolves once every reply handed over so far is acknowledged or refused, or after the wait limit. */
  async settled(): Promise<void> {
    const waitMs = this.options.ackWaitMs ?? DEFAULT_ACK_WAIT_MS;
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), waitMs);
      timer.unref?.();
    });
    try {
      while (this.inFlight.size > 0) {
        const outcome = await Promise.race([Promise.allSettled([...this.inFlight.values()]), limit]);
        if (outcome === "timeout") {
          this.options.logger.warn({ waiting: this.inFlight.size }, "replies not acknowledged before the close: kept in the journal for the next ready");
          return;
        }
      }
    } finally {
      clearTimeout(timer);
    }
  }

  private handOver(referrerUserId: string, entry: JournalEntry): void {
    const key = this.keyOf(referrerUserId, entry.id);
    if (this.inFlight.has(key)) return;
    const { logger } = this.options;
    const run = (async () => {
      try {
        await this.options.deliver({ type: "inbound", referrerUserId, from: entry.from, text: entry.text, at: new Date(entry.at) });
      } catch (error) {
        this.refused.add(referrerUserId);
        // The text is the referral's own words: never logged.
        logger.warn({ referrerUserId, err: error instanceof Error ? error.message : String(error) }, "reply not acknowledged by the engine: kept in the journal for the next ready");
        return;
      }
      try {
        await this.store(referrerUserId).remove([entry.id]);
      } catch (error) {
        logger.warn({ referrerUserId, err: error instanceof Error ? error.message : String(error) }, "acknowledged reply not removed from the journal: it may be handled again (harmless)");
      }
    })().finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, run);
  }

  private store(referrerUserId: string): JournalStore {
    let store = this.stores.get(referrerUserId);
    if (!store) {
      store = new JournalStore(this.options.sessions, this.options.cipher, this.options.sessionIdOf(referrerUserId));
      this.stores.set(referrerUserId, store);
    }
    return store;
  }

  private keyOf(referrerUserId: string, id: string): string {
    return `${referrerUserId}\u0000${id}`;
  }
}
