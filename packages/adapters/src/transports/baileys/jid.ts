import { isLidUser, jidDecode, jidEncode, type WAMessageKey } from "@whiskeysockets/baileys";
import { isE164, phoneDigits, type E164 } from "@relance/core";

/** The JID WhatsApp addresses a phone number's account with. */
export function phoneJid(phone: E164): string {
  return jidEncode(phoneDigits(phone), "s.whatsapp.net");
}

/**
 * The E.164 number of a phone-number JID (`33612345678:12@s.whatsapp.net` → `+33612345678`), or
 * null for anything else: groups, broadcasts, newsletters, LIDs.
 */
export function phoneOfJid(jid: string | null | undefined): E164 | null {
  const decoded = jidDecode(jid ?? undefined);
  if (!decoded || decoded.server !== "s.whatsapp.net") return null;
  const phone = `+${decoded.user}`;
  return isE164(phone) ? phone : null;
}

/**
 * The sender of a 1:1 message. Baileys 7 may address a chat by LID (`…@lid`) and give the phone
 * number JID in `remoteJidAlt` only.
 */
export function senderPhone(key: WAMessageKey): E164 | null {
  const remoteJid = key.remoteJid ?? undefined;
  return phoneOfJid(remoteJid) ?? (isLidUser(remoteJid) ? phoneOfJid(key.remoteJidAlt) : null);
}
