import { describe, expect, it } from "vitest";
import { readReply, type IncomingShape } from "../../../src/transports/session/reply-classifier.js";

const person = (shape: Partial<IncomingShape> & Pick<IncomingShape, "kind">): IncomingShape => ({ chat: "person", fromMe: false, ...shape });

// The domain's "Replies in any shape", one row per case: what the engine receives, or null.
const CASES: Array<[string, IncomingShape, string | null]> = [
  ["a text", person({ kind: "text", text: "bonjour" }), "bonjour"],
  ["STOP as text", person({ kind: "text", text: "STOP" }), "STOP"],
  ["STOP as a caption", person({ kind: "caption", text: "STOP" }), "STOP"],
  ["an image without caption", person({ kind: "caption", text: "" }), "[media]"],
  ["an edit to STOP (its new text)", person({ kind: "edit", text: "STOP" }), "STOP"],
  ["an edit with no text", person({ kind: "edit", text: "" }), null],
  ["a voice note", person({ kind: "voice" }), "[voice message]"],
  ["a file or poll", person({ kind: "media" }), "[media]"],
  ["a sticker", person({ kind: "sticker" }), "[sticker]"],
  ["a location", person({ kind: "location" }), "[location]"],
  ["a contact card", person({ kind: "contact" }), "[contact]"],
  ["a reaction", person({ kind: "reaction", text: "👍" }), "👍"],
  ["a reaction taken back", person({ kind: "reaction", text: "" }), null],
  ["an empty text", person({ kind: "text", text: "" }), null],
  ["a WhatsApp notice (e2e, template, call log, security code)", person({ kind: "notice", text: "" }), null],
  ["a protocol message", person({ kind: "protocol" }), null],
  ["a revoke", person({ kind: "revoke" }), null],
  ["a stub", person({ kind: "stub" }), null],
  ["a message not decrypted yet", person({ kind: "undecrypted" }), null],
  ["an unknown type", person({ kind: "unknown", text: "x" }), null],
  ["our own device", person({ kind: "text", text: "STOP", fromMe: true }), null],
  ["a group", { kind: "text", text: "STOP", chat: "group", fromMe: false }, null],
  ["a status", { kind: "caption", text: "STOP", chat: "status", fromMe: false }, null],
  ["a broadcast list", { kind: "text", text: "STOP", chat: "broadcast", fromMe: false }, null],
  ["a newsletter", { kind: "text", text: "STOP", chat: "newsletter", fromMe: false }, null],
];

describe("the shared reply classifier", () => {
  it.each(CASES)("%s", (_name, shape, expected) => {
    const reading = readReply(shape);
    expect(reading.reply ? reading.text : null).toBe(expected);
  });
});
