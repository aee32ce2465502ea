import type { E164 } from "@relance/core";
import type { EncryptedEntries } from "./encrypted-entries.js";

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
/** Parked replies beyond this many are the oldest dropped, with a warning: a bound on a session's storage. */
export const MAX_PARKED_REPLIES = 500;

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

  constructor(private readonly entries: EncryptedEntries) {}

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
    const next: ContactAddress = { jid: address.jid ?? previous?.jid ?? "", ...(address.lid ?? previous?.lid ? { lid: (address.lid ?? previous?.lid)! } : {}) };
    if (!next.jid || (previous && previous.jid === next.jid && previous.lid === next.lid)) return;
    book[phone] = next;
    this.index(phone, next);
    await this.entries.write({ [BOOK_KEY]: book });
  }

  async parkedReplies(): Promise<ParkedReply[]> {
    this.parked ??= (await this.entries.read<ParkedReply[]>([PARKED_KEY])).get(PARKED_KEY) ?? [];
    return [...this.parked];
  }

  /** Keeps a reply until its sender is known; returns how many were dropped to stay bounded. */
  async park(reply: ParkedReply): Promise<number> {
    const parked = await this.parkedReplies();
    parked.push(reply);
    const dropped = Math.max(0, parked.length - MAX_PARKED_REPLIES);
    this.parked = parked.slice(dropped);
    await this.entries.write({ [PARKED_KEY]: this.parked });
    return dropped;
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

function sameReply(a: ParkedReply, b: ParkedReply): boolean {
  return a.lid === b.lid && a.at === b.at && a.text === b.text;
}
