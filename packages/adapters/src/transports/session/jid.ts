import { isE164, phoneDigits, type E164 } from "@relance/core";

/**
 * WhatsApp addresses (JIDs) for both drivers: `user[_agent][:device]@server`, decoded the way
 * Baileys does (lib/WABinary/jid-utils.js:30-39). One account has one phone-number JID on two
 * spellings: Baileys says `s.whatsapp.net`, WhatsApp Web `c.us` (Baileys maps one to the other,
 * jid-utils.js:82-89). A business hosted on Meta's cloud writes from its number on `hosted`, and
 * from its LID on `hosted.lid` (lib/Signal/lid-mapping.js:186-188): the same number, the same LID.
 */

/** The server a driver writes a phone number's JID on. */
export type PhoneServer = "s.whatsapp.net" | "c.us";

const PHONE_SERVERS: ReadonlySet<string> = new Set(["s.whatsapp.net", "c.us", "hosted"]);

export interface DecodedJid {
  user: string;
  server: string;
}

/** The user and server of a JID, agent and device dropped; null when it is none. */
export function decodeJid(jid: string | null | undefined): DecodedJid | null {
  if (!jid) return null;
  const at = jid.indexOf("@");
  if (at < 0) return null;
  const user = jid.slice(0, at).split(":")[0]!.split("_")[0]!;
  return { user, server: jid.slice(at + 1) };
}

/** The JID of a phone number's account on `server` (`+33612345678` → `33612345678@c.us`). */
export function phoneJid(phone: E164, server: PhoneServer): string {
  return `${phoneDigits(phone)}@${server}`;
}

/**
 * The E.164 number of a phone-number JID, on any spelling and with any device
 * (`33612345678:12@s.whatsapp.net`, `33612345678@c.us`, `…:99@hosted` → `+33612345678`), or null
 * for anything else: groups, broadcasts, newsletters, LIDs.
 */
export function phoneOfJid(jid: string | null | undefined): E164 | null {
  const decoded = decodeJid(jid);
  if (!decoded || !PHONE_SERVERS.has(decoded.server) || !/^\d+$/.test(decoded.user)) return null;
  const phone = `+${decoded.user}`;
  return isE164(phone) ? phone : null;
}

/**
 * The LID of a chat addressed by LID, as `<user>@lid`, or null. A hosted account's LID
 * (`…:99@hosted.lid`) is the same LID user on another domain: looked up and kept as `…@lid`,
 * which Baileys' LID store also answers for (it skips `hosted.lid`, lid-mapping.js:235).
 */
export function lidOf(jid: string | null | undefined): string | null {
  const decoded = decodeJid(jid);
  if (!decoded || (decoded.server !== "lid" && decoded.server !== "hosted.lid") || decoded.user === "") return null;
  return `${decoded.user}@lid`;
}

/** `123:4@lid` → `123@lid`, `5511_1:2@s.whatsapp.net` → `5511@s.whatsapp.net`: devices of one account share its address. */
export function bareJid(jid: string): string {
  const decoded = decodeJid(jid);
  return decoded ? `${decoded.user}@${decoded.server}` : jid;
}

/**
 * One account's two spellings as one key (`…@c.us` and `…@s.whatsapp.net` alike), device
 * dropped: what canonical ids and reverse lookups compare.
 */
export function accountKey(jid: string): string {
  const decoded = decodeJid(jid);
  if (!decoded) return jid;
  return `${decoded.user}@${decoded.server === "c.us" ? "s.whatsapp.net" : decoded.server}`;
}
