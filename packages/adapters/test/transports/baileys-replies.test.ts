import { describe, expect, it } from "vitest";
import { WAMessageStubType, proto, type WAMessage } from "@whiskeysockets/baileys";
import type { TransportEvent } from "@relance/core";
import { linked, settle, setup } from "./support/baileys-harness.js";

const inboundOf = (events: TransportEvent[]) => events.flatMap((e) => (e.type === "inbound" ? [[e.from, e.text]] : []));
const FROM = "+33611111111" as const;

// Baileys' decoded shapes (WAProto), one per case of the shared classifier's table.
const SHAPES: Array<[string, proto.IMessage | null, Partial<WAMessage>, string | null]> = [
  ["a text", { conversation: "bonjour" }, {}, "bonjour"],
  ["an extended text", { extendedTextMessage: { text: "STOP" } }, {}, "STOP"],
  ["an image captioned STOP", { imageMessage: { caption: "STOP" } }, {}, "STOP"],
  ["a video captioned STOP", { videoMessage: { caption: "STOP" } }, {}, "STOP"],
  ["a document captioned STOP (documentWithCaption wrapper, messages.js:653)", { documentWithCaptionMessage: { message: { documentMessage: { caption: "STOP" } } } }, {}, "STOP"],
  ["STOP in a disappearing message (ephemeral wrapper)", { ephemeralMessage: { message: { conversation: "STOP" } } }, {}, "STOP"],
  ["an image without caption", { imageMessage: {} }, {}, "[media]"],
  ["a voice note", { audioMessage: { ptt: true, seconds: 4 } }, {}, "[voice message]"],
  ["a sticker", { stickerMessage: {} }, {}, "[sticker]"],
  ["a location", { locationMessage: { degreesLatitude: 48.85, degreesLongitude: 2.35 } }, {}, "[location]"],
  ["a contact card", { contactMessage: { displayName: "Bob" } }, {}, "[contact]"],
  ["a reaction", { reactionMessage: { text: "👍", key: { id: "OURS", fromMe: true } } }, {}, "👍"],
  ["a reaction taken back", { reactionMessage: { text: "", key: { id: "OURS", fromMe: true } } }, {}, null],
  ["a revoke", { protocolMessage: { type: proto.Message.ProtocolMessage.Type.REVOKE, key: { id: "X" } } }, {}, null],
  ["another protocol message", { protocolMessage: { type: proto.Message.ProtocolMessage.Type.EPHEMERAL_SETTING } }, {}, null],
  ["a security-code change (stub, no content)", null, { messageStubType: WAMessageStubType.E2E_IDENTITY_CHANGED }, null],
  ["an encryption notice (stub)", null, { messageStubType: WAMessageStubType.E2E_ENCRYPTED }, null],
];

describe("baileys: replies in any shape (shared classifier)", () => {
  it.each(SHAPES)("%s", async (_name, message, extra, expected) => {
    const s = await setup();
    const socket = await linked(s);
    socket.receiveContent(FROM, message, extra);
    await settle();
    expect(inboundOf(s.events)).toEqual(expected === null ? [] : [[FROM, expected]]);
    await s.transport.close();
  });

  it("P3: a voice note, an image captioned STOP and an edit to STOP each reach the engine once", async () => {
    const s = await setup();
    const socket = await linked(s);
    socket.receive([
      { key: { remoteJid: "33611111111@s.whatsapp.net", fromMe: false, id: "V1" }, message: { audioMessage: { ptt: true, seconds: 4 } }, messageTimestamp: 1 },
      { key: { remoteJid: "33622222222@s.whatsapp.net", fromMe: false, id: "I1" }, message: { imageMessage: { caption: "STOP" } }, messageTimestamp: 1 },
    ] as unknown as WAMessage[]);
    // The edit as Baileys reports it: its own upsert and a messages.update of the original id.
    socket.receiveEdit("+33633333333", "ORIGINAL", "STOP");
    await settle();
    expect(inboundOf(s.events)).toEqual([
      ["+33611111111", "[voice message]"],
      ["+33622222222", "STOP"],
      ["+33633333333", "STOP"],
    ]);
    await s.transport.close();
  });

  it("messages from our own devices, groups, status and newsletters are not replies", async () => {
    const s = await setup();
    const socket = await linked(s);
    const mk = (remoteJid: string, fromMe = false) => ({ key: { remoteJid, fromMe, id: `${remoteJid}-${fromMe}`, participant: "33611111111@s.whatsapp.net" }, message: { conversation: "STOP" }, messageTimestamp: 1 });
    socket.receive([mk("33611111111@s.whatsapp.net", true), mk("120363000000000000@g.us"), mk("status@broadcast"), mk("120363000000000001@newsletter"), mk("1234567890@broadcast")] as unknown as WAMessage[]);
    await settle();
    expect(inboundOf(s.events)).toEqual([]);
    await s.transport.close();
  });
});
