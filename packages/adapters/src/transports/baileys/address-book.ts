import type { E164 } from "@relance/core";
import { LID_REPLY_TTL_MS, MAX_LID_REPLIES, boundLidReplies, isExpiredLidReply } from "../session/lid-replies.js";
import type { EncryptedEntries } from "./encrypted-entries.js";
import { phoneJid } from "./jid.js";

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
 * the JID the number check returned for a phone (it may differ from the E.164 digits, e.g.
 * Brazil's ninth digit), used for sending and for matching replies; the LIDs those contacts
 * write from; and the replies that came from a LID no phone is known for yet.
 */
export class AddressBook {
  private book: Record<string, ContactAddress> | null = null;
  private byAddress: Map<string, E164> | null = null;
  private parked: ParkedReply[] | null = null;
  private readonly learnListeners = new Set<() => void>();

  constructor(private readonly entries: EncryptedEntries) {}

  /** `listener` runs after each change `remember` wrote (a JID or a LID learned). */
  onLearn(listener: () => void): () => void {
    this.learnListeners.add(listener);
    return () => this.learnListeners.delete(listener);
  }

  async jidOf(phone: E164): Promise<string | undefined> {
    return (await this.load())[phone]?.jid;
  }

  /** The phone whose JID or LID this is (device and agent parts ignored). */
  async phoneOf(jid: string): Promise<E164 | null> {
    await this.load();
    return this.byAddress!.get(bareJid(jid)) ?? null;
  }

  /** Merges what was learned; writes only when something changed. */
  async remember(phone: E164, address: Partial<ContactAddress>): Promise<void> {
    const book = await this.load();
    const previous = book[phone];
    // A LID learned for a number never checked: the number's own JID until a check says otherwise.
    const next: ContactAddress = { jid: address.jid ?? previous?.jid ?? phoneJid(phone), ...(address.lid ?? previous?.lid ? { lid: (address.lid ?? previous?.lid)! } : {}) };
    if (!next.jid || (previous && previous.jid === next.jid && previous.lid === next.lid)) return;
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
      for (const [known, owner] of this.byAddress!) if (owner === phone) this.byAddress!.delete(known);
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
    this.byAddress = new Map();
    for (const [phone, address] of Object.entries(book)) this.index(phone as E164, address);
    return book;
  }

  private index(phone: E164, address: ContactAddress): void {
    this.byAddress!.set(bareJid(address.jid), phone);
    if (address.lid) this.byAddress!.set(bareJid(address.lid), phone);
  }
}

/** `123:4@lid` → `123@lid`: devices of one account share its address. */
export function bareJid(jid: string): string {
  const at = jid.indexOf("@");
  if (at < 0) return jid;
  const user = jid.slice(0, at).split(":")[0]!.split("_")[0]!;
  return `${user}${jid.slice(at)}`;
}

const parkedView = (reply: ParkedReply) => ({ atMs: Date.parse(reply.at), text: reply.text });

function expired(reply: ParkedReply, now: Date): boolean {
  return isExpiredLidReply(parkedView(reply), now);
}

function sameReply(a: ParkedReply, b: ParkedReply): boolean {
  return a.lid === b.lid && a.at === b.at && a.text === b.text;
}
