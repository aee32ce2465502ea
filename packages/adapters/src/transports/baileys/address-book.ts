import type { E164 } from "@relance/core";
import { CanonicalIds } from "../session/canonical-ids.js";
import { bareJid } from "../session/jid.js";
import { LID_REPLY_TTL_MS, MAX_LID_REPLIES, boundLidReplies, isExpiredLidReply } from "../session/lid-replies.js";
import type { EncryptedEntries } from "./encrypted-entries.js";

export { bareJid } from "../session/jid.js";

/** How WhatsApp addresses one of our contacts: the JID of its account, and its LID once known. */
export interface ContactAddress {
  jid: string;
  lid?: string;
}

/** A reply whose sender could not be told yet (a LID WhatsApp gave no phone number for). */
export interface ParkedReply {
  lid: string;
  text: string;
  /** When it arrived (ISO-8601). */
  at: string;
}

const BOOK_KEY = "address-book";
const PARKED_KEY = "parked-replies";
/** Parked replies follow the rule both drivers share (session/lid-replies.ts): bound and TTL. */
export const MAX_PARKED_REPLIES = MAX_LID_REPLIES;
export const PARKED_REPLY_TTL_MS = LID_REPLY_TTL_MS;

/**
 * What this account learned about its contacts' addresses, kept encrypted beside the session:
 * the JID the number check returned for a phone (the shared rule, session/canonical-ids.ts: it
 * may differ from the E.164 digits, e.g. Brazil's ninth digit), used for sending and for matching
 * replies; the LIDs those contacts write from; and the replies that came from a LID no phone is
 * known for yet. Stored as `{ phone: { jid, lid } }` (unchanged since round 1).
 */
export class AddressBook {
  private book: Record<string, ContactAddress> | null = null;
  private canonical: CanonicalIds | null = null;
  /** Bare LID → the phone it was learned for. */
  private byLid: Map<string, E164> | null = null;
  private parked: ParkedReply[] | null = null;
  private readonly learnListeners = new Set<() => void>();

  constructor(private readonly entries: EncryptedEntries) {}

  /** `listener` runs after each change `remember` wrote (a JID or a LID learned). */
  onLearn(listener: () => void): () => void {
    this.learnListeners.add(listener);
    return () => this.learnListeners.delete(listener);
  }

  /** Where to write to `phone`: the account its number check found, else its own JID. */
  async jidOf(phone: E164): Promise<string> {
    await this.load();
    return this.canonical!.idOf(phone);
  }

  /**
   * The phones a reply from this JID or LID is from (device and agent parts ignored), by the
   * shared rule (CanonicalIds.phonesOf): every number tied to the account, and its own number.
   * Empty for a LID not learned yet.
   */
  async phonesOf(jid: string): Promise<E164[]> {
    await this.load();
    const learned = this.byLid!.get(bareJid(jid));
    if (learned) return this.canonical!.phonesOf(this.canonical!.idOf(learned));
    return this.canonical!.phonesOf(jid);
  }

  /** Merges what was learned; writes only when something changed. */
  async remember(phone: E164, address: Partial<ContactAddress>): Promise<void> {
    const book = await this.load();
    const previous = book[phone];
    // A LID learned for a number never checked: the number's own JID until a check says otherwise.
    if (address.jid) this.canonical!.learn(phone, address.jid);
    const lid = address.lid ?? previous?.lid;
    const next: ContactAddress = { jid: this.canonical!.idOf(phone), ...(lid ? { lid } : {}) };
    if (previous && previous.jid === next.jid && previous.lid === next.lid) return;
    book[phone] = next;
    this.index(phone, next);
    await this.entries.write({ [BOOK_KEY]: book });
    for (const listener of this.learnListeners) listener();
  }

  async parkedReplies(): Promise<ParkedReply[]> {
    this.parked ??= (await this.entries.read<ParkedReply[]>([PARKED_KEY])).get(PARKED_KEY) ?? [];
    return [...this.parked];
  }

  /**
   * Keeps a reply until its sender is known; returns how many were dropped to stay bounded
   * (expired ones, then the oldest that are not opt-outs).
   */
  async park(reply: ParkedReply, now: Date): Promise<number> {
    const { kept, expired, overflow } = boundLidReplies([...(await this.parkedReplies()), reply], now, parkedView);
    this.parked = kept;
    await this.entries.write({ [PARKED_KEY]: this.parked });
    return expired + overflow;
  }

  /** Drops the parked replies older than the TTL; returns how many. */
  async expire(now: Date): Promise<number> {
    const parked = await this.parkedReplies();
    const old = parked.filter((r) => expired(r, now));
    await this.unpark(old);
    return old.length;
  }

  /** Removes replies that were handed over. */
  async unpark(done: readonly ParkedReply[]): Promise<void> {
    if (done.length === 0) return;
    const remaining = (await this.parkedReplies()).filter((reply) => !done.includes(reply) && !done.some((d) => sameReply(d, reply)));
    this.parked = remaining;
    await this.entries.write({ [PARKED_KEY]: remaining.length > 0 ? remaining : null });
  }

  /**
   * Erasure: the number's addresses go, and the parked replies from its LID or from `lids` (other
   * LIDs known to map to it, e.g. by Baileys' own store). Writes only what changed. Returns every
   * LID of the number it knew of (bare), `lids` included.
   */
  async forget(phone: E164, lids: readonly string[] = []): Promise<Set<string>> {
    const book = await this.load();
    const address = book[phone];
    const gone = new Set([...lids, ...(address?.lid ? [address.lid] : [])].map(bareJid));
    if (address) {
      delete book[phone];
      this.canonical!.forget(phone);
      for (const [known, owner] of this.byLid!) if (owner === phone) this.byLid!.delete(known);
      await this.entries.write({ [BOOK_KEY]: Object.keys(book).length > 0 ? book : null });
    }
    if (gone.size === 0) return gone;
    const parked = await this.parkedReplies();
    const remaining = parked.filter((reply) => !gone.has(bareJid(reply.lid)));
    if (remaining.length === parked.length) return gone;
    this.parked = remaining;
    await this.entries.write({ [PARKED_KEY]: remaining.length > 0 ? remaining : null });
    return gone;
  }

  private async load(): Promise<Record<string, ContactAddress>> {
    if (this.book) return this.book;
    const book = (await this.entries.read<Record<string, ContactAddress>>([BOOK_KEY])).get(BOOK_KEY) ?? {};
    this.book = book;
    this.canonical = new CanonicalIds("s.whatsapp.net");
    this.byLid = new Map();
    for (const [phone, address] of Object.entries(book)) {
      this.canonical.learn(phone as E164, address.jid);
      this.index(phone as E164, address);
    }
    return book;
  }

  private index(phone: E164, address: ContactAddress): void {
    if (address.lid) this.byLid!.set(bareJid(address.lid), phone);
  }
}

const parkedView = (reply: ParkedReply) => ({ atMs: Date.parse(reply.at), text: reply.text });

function expired(reply: ParkedReply, now: Date): boolean {
  return isExpiredLidReply(parkedView(reply), now);
}

function sameReply(a: ParkedReply, b: ParkedReply): boolean {
  return a.lid === b.lid && a.at === b.at && a.text === b.text;
}
