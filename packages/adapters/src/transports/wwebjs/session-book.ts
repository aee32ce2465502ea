import { createHash } from "node:crypto";
import type { E164 } from "@relance/core";
import type { SessionRepository } from "../../ports/session-repository.js";
import type { SessionCipher } from "../../crypto/session-cipher.js";
import { encryptedEntries, type EncryptedEntries } from "../session/encrypted-entries.js";
import { phoneJid } from "../session/jid.js";

/**
 * Newest inbound message already handed to the core: `at` in Unix seconds (WhatsApp's own
 * resolution, `Message.timestamp`), and the ids seen at that very second so that two messages of
 * the same second are told apart.
 */
export interface Watermark {
  at: number;
  ids: string[];
}

/** A reply from a LID no phone number is known for yet: kept until the mapping is. */
export interface PendingReply {
  id: string;
  lid: string;
  text: string;
  /** When WhatsApp received it, epoch ms. */
  at: number;
}

export const WATERMARK_KEY = "inbox.watermark";
export const PENDING_KEY = "inbox.pending-lid";
export const CANONICAL_KEY = "contacts.canonical";
/** Ids of the inbound messages handed over lately (a ring): a message is never emitted twice. */
export const SEEN_KEY = "inbox.seen";
/** Ids kept in the ring: far more than one day's replies to one referrer. */
export const MAX_SEEN = 500;
/** Set when WhatsApp Web asked to link again while restoring: ensureReady stops restoring. */
export const RESTORE_REFUSED_KEY = "restore-refused";

/**
 * What the transport remembers per session besides the browser profile, encrypted like it
 * (AAD `[sessionId, key]`): the inbound watermark, LID replies waiting for a number, and the
 * canonical WhatsApp id of each number checked. Writes are serialised so the last one wins.
 */
export class SessionBook {
  private writes: Promise<unknown> = Promise.resolve();
  /** Encrypted like every session entry (session/encrypted-entries.ts, shared with Baileys). */
  private readonly entries: EncryptedEntries;

  constructor(
    sessions: SessionRepository,
    cipher: SessionCipher,
    readonly sessionId: string,
  ) {
    this.entries = encryptedEntries(sessions, cipher, sessionId);
  }

  watermark(): Promise<Watermark | null> {
    return this.read<Watermark>(WATERMARK_KEY);
  }

  setWatermark(watermark: Watermark): Promise<void> {
    return this.write(WATERMARK_KEY, watermark);
  }

  async seen(): Promise<string[]> {
    return (await this.read<string[]>(SEEN_KEY)) ?? [];
  }

  setSeen(ids: readonly string[]): Promise<void> {
    return this.write(SEEN_KEY, ids.slice(-MAX_SEEN));
  }

  async pending(): Promise<PendingReply[]> {
    return (await this.read<PendingReply[]>(PENDING_KEY)) ?? [];
  }

  setPending(replies: readonly PendingReply[]): Promise<void> {
    return this.write(PENDING_KEY, replies.length === 0 ? null : replies);
  }

  /** Phone → the id WhatsApp's number check returned for it (`<digits>@c.us`). */
  async canonicalIds(): Promise<Record<E164, string>> {
    return (await this.read<Record<E164, string>>(CANONICAL_KEY)) ?? {};
  }

  setCanonicalIds(ids: Record<E164, string>): Promise<void> {
    return this.write(CANONICAL_KEY, ids);
  }

  /**
   * Erasure: the number's canonical id goes, and the ids of its messages (seen ring, watermark)
   * that name it are replaced by their hash (`forgottenId`): still recognised, so that a catch-up
   * reading the chat again emits none of them once more, without the number. Replies waiting for
   * a number carry only a LID: they age out with the waiting list (session/lid-replies.ts).
   */
  async forgetContact(phone: E164): Promise<void> {
    const canonical = await this.canonicalIds();
    const names = [phoneJid(phone, "c.us"), ...(canonical[phone] ? [canonical[phone]] : [])];
    const namesIt = (id: string) => names.some((name) => id.includes(`_${name}_`));
    const hide = (ids: string[]) => ids.map((id) => (namesIt(id) ? forgottenId(id) : id));
    if (canonical[phone] !== undefined) {
      delete canonical[phone];
      await this.setCanonicalIds(canonical);
    }
    const seen = await this.seen();
    if (seen.some(namesIt)) await this.setSeen(hide(seen));
    const mark = await this.watermark();
    if (mark?.ids.some(namesIt)) await this.setWatermark({ ...mark, ids: hide(mark.ids) });
  }

  async restoreRefusedAt(): Promise<Date | null> {
    const at = await this.read<string>(RESTORE_REFUSED_KEY);
    return at ? new Date(at) : null;
  }

  setRestoreRefused(at: Date | null): Promise<void> {
    return this.write(RESTORE_REFUSED_KEY, at ? at.toISOString() : null);
  }

  private async read<T>(key: string): Promise<T | null> {
    await this.writes.catch(() => undefined);
    return (await this.entries.read<T>([key])).get(key) ?? null;
  }

  private write(key: string, value: unknown): Promise<void> {
    const next = this.writes.catch(() => undefined).then(() => this.entries.write({ [key]: value }));
    this.writes = next;
    return next;
  }
}

/**
 * A message id (`false_<chat>_<random id>`) of an erased person, as kept: its SHA-256. The random
 * part makes it no lookup table of numbers.
 */
export function forgottenId(id: string): string {
  return `forgotten:${createHash("sha256").update(id).digest("base64url")}`;
}

/** Whether `ids` (seen ring, watermark) hold `id`, as it is or forgotten. */
export function holdsId(ids: readonly string[], id: string): boolean {
  return ids.includes(id) || ids.includes(forgottenId(id));
}
