import { describe, expect, it } from "vitest";
import wweb from "whatsapp-web.js";
import type { TransportEvent } from "@relance/core";
import { PHONE, REFERRER, until, world, type World } from "./support/wwebjs-world.js";

const inboundOf = (events: TransportEvent[]) => events.flatMap((e) => (e.type === "inbound" ? [[e.from, e.text]] : []));
const FROM = "33611111111@c.us";
const media = { directPath: "/v/t62.7118-24/fake", mimetype: "image/jpeg" };

async function connected(): Promise<World> {
  const w = await world();
  await w.transport.connect(REFERRER, { method: "qr" });
  await w.fake.latest(REFERRER).link(PHONE);
  await until(() => w.transport.getState(REFERRER).status === "connected", "connected");
  return w;
}

// `Message.type` values (src/util/Constants.js:85-124), one per case of the shared classifier's table.
const TYPES: Array<[string, string, Record<string, unknown>, string | null]> = [
  ["chat", "bonjour", {}, "bonjour"],
  ["image", "", { ...media, caption: "STOP" }, "STOP"],
  ["image", "", { ...media }, "[media]"],
  ["video", "", { ...media, mimetype: "video/mp4", caption: "STOP" }, "STOP"],
  ["document", "", { ...media, mimetype: "application/pdf", caption: "STOP" }, "STOP"],
  ["ptt", "", { ...media, mimetype: "audio/ogg" }, "[voice message]"],
  ["audio", "", { ...media, mimetype: "audio/mpeg" }, "[voice message]"],
  ["sticker", "", { ...media, mimetype: "image/webp" }, "[sticker]"],
  ["location", "", { lat: 48.85, lng: 2.35 }, "[location]"],
  ["vcard", "BEGIN:VCARD\nFN:Bob\nEND:VCARD", {}, "[contact]"],
  ["buttons_response", "STOP", {}, "STOP"],
  ["e2e_notification", "", { subtype: "encrypt" }, null],
  ["notification_template", "", { subtype: "biz_intro_top" }, null],
  ["call_log", "", { subtype: "miss" }, null],
  ["gp2", "", { subtype: "add" }, null],
  ["protocol", "", {}, null],
  ["revoked", "", {}, null],
  ["ciphertext", "", {}, null],
];

describe("whatsapp-web.js: replies in any shape (shared classifier)", () => {
  it.each(TYPES)("type %s, body %j, %j → %j", async (type, body, extra, expected) => {
    const w = await connected();
    try {
      w.fake.latest(REFERRER).receiveOfType(FROM, type, body, extra);
      await w.transport.idle();
      expect(inboundOf(w.events)).toEqual(expected === null ? [] : [["+33611111111", expected]]);
    } finally {
      await w.close();
    }
  });

  it("P5: a system message (e2e_notification) in a target's chat is not a reply", async () => {
    const w = await connected();
    try {
      const client = w.fake.latest(REFERRER);
      const raw = { id: { fromMe: false, remote: FROM, id: "E2E1", _serialized: `false_${FROM}_E2E1` }, from: FROM, to: "33600000001@c.us", body: "", type: "e2e_notification", subtype: "encrypt", t: 1, ack: 0 };
      const Message = (wweb as unknown as { Message: new (c: unknown, d: unknown) => unknown }).Message;
      client.emit("message", new Message(client, raw) as never);
      await w.transport.idle();
      await new Promise((r) => setTimeout(r, 20));
      expect(inboundOf(w.events)).toEqual([]);
    } finally {
      await w.close();
    }
  });

  it("an edit to STOP (message_edit) opts out: the new text reaches the engine, once", async () => {
    const w = await connected();
    try {
      const client = w.fake.latest(REFERRER);
      const original = client.receive(FROM, "ok");
      await w.transport.idle();
      client.edit(original.id._serialized, "STOP");
      client.edit(original.id._serialized, "STOP");
      await w.transport.idle();
      await new Promise((r) => setTimeout(r, 20));
      expect(inboundOf(w.events)).toEqual([
        ["+33611111111", "ok"],
        ["+33611111111", "STOP"],
      ]);
    } finally {
      await w.close();
    }
  });

  it("status, groups and broadcasts are not replies", async () => {
    const w = await connected();
    try {
      const client = w.fake.latest(REFERRER);
      client.receiveOfType("120363000000000000@g.us", "chat", "STOP", { author: FROM });
      client.receiveOfType("status@broadcast", "chat", "STOP", { author: FROM, isStatusV3: true });
      await w.transport.idle();
      expect(inboundOf(w.events)).toEqual([]);
    } finally {
      await w.close();
    }
  });
});
