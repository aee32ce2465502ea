import { describe, expect, it } from "vitest";
import { jidDecode } from "@whiskeysockets/baileys";
import { accountKey, bareJid, decodeJid, lidOf, phoneJid, phoneOfJid } from "../../../src/transports/session/jid.js";

// [jid, phoneOfJid, lidOf, bareJid]: both drivers read WhatsApp's addresses with these.
const CASES: Array<[string, string | null, string | null, string]> = [
  ["33612345678@s.whatsapp.net", "+33612345678", null, "33612345678@s.whatsapp.net"],
  ["33612345678:12@s.whatsapp.net", "+33612345678", null, "33612345678@s.whatsapp.net"],
  ["33612345678@c.us", "+33612345678", null, "33612345678@c.us"],
  ["33612345678:99@hosted", "+33612345678", null, "33612345678@hosted"],
  ["5550001@lid", null, "5550001@lid", "5550001@lid"],
  ["5550001:3@lid", null, "5550001@lid", "5550001@lid"],
  ["5550001:99@hosted.lid", null, "5550001@lid", "5550001@hosted.lid"],
  ["1203630@g.us", null, null, "1203630@g.us"],
  ["status@broadcast", null, null, "status@broadcast"],
  ["12036@newsletter", null, null, "12036@newsletter"],
  ["123@s.whatsapp.net", null, null, "123@s.whatsapp.net"], // too short for E.164
  ["not a jid", null, null, "not a jid"],
];

describe("shared JID helpers (session/jid.ts)", () => {
  it.each(CASES)("%s → phone %s, LID %s, bare %s", (jid, phone, lid, bare) => {
    expect(phoneOfJid(jid)).toBe(phone);
    expect(lidOf(jid)).toBe(lid);
    expect(bareJid(jid)).toBe(bare);
  });

  it("decodes user and server as Baileys does (lib/WABinary/jid-utils.js:30-39)", () => {
    for (const jid of ["33612345678_1:12@s.whatsapp.net", "5550001:3@lid", "1203630@g.us", "33612345678@c.us"]) {
      const theirs = jidDecode(jid)!;
      expect(decodeJid(jid)).toEqual({ user: theirs.user, server: theirs.server });
    }
    expect(decodeJid(undefined)).toBeNull();
    expect(decodeJid("")).toBeNull();
  });

  it("writes a phone's JID in each driver's spelling, and reads both as one account", () => {
    expect(phoneJid("+33612345678", "s.whatsapp.net")).toBe("33612345678@s.whatsapp.net");
    expect(phoneJid("+33612345678", "c.us")).toBe("33612345678@c.us");
    expect(accountKey("33612345678:4@c.us")).toBe(accountKey("33612345678@s.whatsapp.net"));
    expect(accountKey("5550001:3@lid")).toBe("5550001@lid");
  });
});
