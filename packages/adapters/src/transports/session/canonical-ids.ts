import type { E164 } from "@relance/core";
import { accountKey, phoneJid, phoneOfJid, type PhoneServer } from "./jid.js";

/**
 * The account WhatsApp's number check found for each phone, for both drivers. It may not be the
 * number's own JID (Brazil's ninth digit: `+55 11 9xxxx-xxxx` lives as `55 11 xxxx-xxxx`, Baileys'
 * usync answer `jid: id`, lib/Socket/socket.js:222-245; whatsapp-web.js' `getNumberId`,
 * Client.js:2224-2237): it is where the day's message goes, and where that person's replies come
 * from. Only the exceptions are kept (a phone whose account is its own number needs no entry).
 *
 * One rule for replies: a reply from an account belongs to every phone the number checks tied to
 * it, and to the account's own number (`phonesOf`).
 */
export class CanonicalIds {
  private readonly byPhone = new Map<E164, string>();

  /** `stored`: the exceptions as kept (`toJSON`); `server`: the spelling the driver writes JIDs in. */
  constructor(
    private readonly server: PhoneServer,
    stored: Readonly<Record<string, string>> = {},
  ) {
    for (const [phone, id] of Object.entries(stored)) this.learn(phone as E164, id);
  }

  /** Where to write to `phone`: its account's JID when a check found another one, its own otherwise. */
  idOf(phone: E164): string {
    return this.byPhone.get(phone) ?? phoneJid(phone, this.server);
  }

  /** Whether a check tied `phone` to another account than its number's own. */
  has(phone: E164): boolean {
    return this.byPhone.has(phone);
  }

  /** The number check found `phone` as `id` (any spelling, any device). True when that changed what is kept. */
  learn(phone: E164, id: string): boolean {
    const key = accountKey(id);
    const own = accountKey(phoneJid(phone, this.server));
    const previous = this.byPhone.get(phone);
    if (key === own) return previous === undefined ? false : this.byPhone.delete(phone);
    const spelled = this.spell(key);
    if (previous === spelled) return false;
    this.byPhone.set(phone, spelled);
    return true;
  }

  /** Erasure: `phone`'s account goes. True when one was kept. */
  forget(phone: E164): boolean {
    return this.byPhone.delete(phone);
  }

  /**
   * The phones a reply from `jid` (any spelling, any device) is from: every phone tied to that
   * account by a check, and the account's own number; empty for a JID that is no phone's.
   */
  phonesOf(jid: string): E164[] {
    const key = accountKey(jid);
    const aliases = [...this.byPhone].filter(([, id]) => accountKey(id) === key).map(([phone]) => phone);
    const own = phoneOfJid(jid);
    // The number's own JID stands for itself unless a check tied that very number elsewhere.
    return [...new Set([...aliases, ...(own && !this.byPhone.has(own) ? [own] : [])])];
  }

  /** The exceptions, as stored. */
  toJSON(): Record<E164, string> {
    return Object.fromEntries(this.byPhone) as Record<E164, string>;
  }

  private spell(key: string): string {
    const at = key.indexOf("@");
    const server = key.slice(at + 1);
    return server === "s.whatsapp.net" ? `${key.slice(0, at)}@${this.server}` : key;
  }
}
