import { isHostedLidUser, isLidUser, jidDecode, jidEncode, type WAMessageKey } from "@whiskeysockets/baileys";
import { isE164, phoneDigits, type E164 } from "@relance/core";

/** The JID WhatsApp addresses a phone number's account with. */
export function phoneJid(phone: E164): string {
  return jidEncode(phoneDigits(phone), "s.whatsapp.net");
}

/**
 * The E.164 number of a phone-number JID (`33612345678:12@s.whatsapp.net` → `+33612345678`), or
 * null for anything else: groups, broadcasts, newsletters, LIDs. A hosted account (a business on
 * Meta's cloud) writes from its number on the `hosted` server, device 99
 * (lib/Utils/decode-wa-message.js:118; lib/Signal/lid-mapping.js:186-188): the same number.
 */
export function phoneOfJid(jid: string | null | undefined): E164 | null {
  const decoded = jidDecode(jid ?? undefined);
  if (!decoded || (decoded.server !== "s.whatsapp.net" && decoded.server !== "hosted")) return null;
  const phone = `+${decoded.user}`;
  return isE164(phone) ? phone : null;
}

/**
 * The sender of a 1:1 message. Baileys 7 may address a chat by LID (`…@lid`) and give the phone
 * number JID in `remoteJidAlt` only.
 */
export function senderPhone(key: WAMessageKey): E164 | null {
  const remoteJid = key.remoteJid ?? undefined;
  return phoneOfJid(remoteJid) ?? (lidOf(remoteJid) ? phoneOfJid(key.remoteJidAlt) : null);
}

/**
 * The LID of a chat addressed by LID, or null. A hosted account's LID (`…:99@hosted.lid`) is the
 * same LID user on another domain (lib/Signal/lid-mapping.js:186-188): looked up and parked as
 * `…@lid`, which Baileys' LID store also answers for (it skips `hosted.lid`, lid-mapping.js:235).
 */
export function lidOf(jid: string | null | undefined): string | null {
  if (!jid) return null;
  if (isLidUser(jid)) return jid;
  if (!isHostedLidUser(jid)) return null;
  const user = jidDecode(jid)?.user;
  return user ? `${user}@lid` : null;
}
