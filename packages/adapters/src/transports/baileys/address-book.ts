import { isStopReply, type E164 } from "@relance/core";
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
/**
 * Parked replies beyond this many are dropped, with a warning: a bound on a session's storage.
 * The oldest that is not an opt-out goes first, so that anyone writing the referrer from unmapped
 * LIDs cannot push a target's STOP out.
 */
export const MAX_PARKED_REPLIES = 500;
/** A parked reply older than this is dropped (it holds a stranger's text, and a mapping that late is unlikely). */
export const PARKED_REPLY_TTL_MS = 30 * 24 * 60 * 60_000;

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
    const before = await this.parkedReplies();
    const parked = before.filter((r) => !expired(r, now));
    let dropped = before.length - parked.length;
    parked.push(reply);
    while (parked.length > MAX_PARKED_REPLIES) {
      const oldestChat = parked.findIndex((r) => !isStopReply(r.text));
      parked.splice(oldestChat >= 0 ? oldestChat : 0, 1);
      dropped++;
    }
    this.parked = parked;
    await this.entries.write({ [PARKED_KEY]: this.parked });
    return dropped;
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

function expired(reply: ParkedReply, now: Date): boolean {
  const at = Date.parse(reply.at);
  return Number.isFinite(at) && now.getTime() - at > PARKED_REPLY_TTL_MS;
}

function sameReply(a: ParkedReply, b: ParkedReply): boolean {
  return a.lid === b.lid && a.at === b.at && a.text === b.text;
}
