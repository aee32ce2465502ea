import { describe, expect, it } from "vitest";
import type { WAMessage } from "@whiskeysockets/baileys";
import type { Logger, OutgoingMessage } from "@relance/core";
import { MAX_PARKED_REPLIES, PARKED_REPLY_TTL_MS } from "../../src/transports/baileys/address-book.js";
import { sessionIdOf } from "../../src/transports/baileys/index.js";
import type { FakeBaileysSocket } from "../../src/testing/fake-baileys-socket.js";
import { REFERRAL, REFERRER, linked, settle, setup, until, type Setup } from "./support/baileys-harness.js";

// ../shared/whatsapp-real-phone-gaps-2.md B4 (parked LID replies retried whenever a mapping is
// learned, with a TTL, a target's STOP never pushed out) and B5 (hosted-account senders). Each
// case failed before the fix.

const inboundOf = (s: Setup) => s.events.flatMap((e) => (e.type === "inbound" ? [[e.from, e.text]] : []));
const message: OutgoingMessage = { to: REFERRAL, text: "Bonjour Alice", media: [], language: "fr" };
let ids = 0;

/** A 1:1 message from `remoteJid`, stamped with the transport's clock (the parked reply's age). */
function from(s: Setup, socket: FakeBaileysSocket, remoteJid: string, text: string, extra: { alt?: string } = {}): void {
  const key = { remoteJid, fromMe: false, id: `M${++ids}`, ...(extra.alt ? { remoteJidAlt: extra.alt } : {}) };
  socket.receive([{ key, message: { conversation: text }, messageTimestamp: Math.floor(s.clock.now().getTime() / 1000) } as WAMessage]);
}

function recordingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  const logger = { warnings, debug: () => {}, info: () => {}, warn: (_: unknown, msg?: string) => void warnings.push(msg ?? ""), error: () => {}, child: () => logger };
  return logger as unknown as Logger & { warnings: string[] };
}

describe("baileys: parked LID replies (B4)", () => {
  it("are handed over as soon as a later stanza from the same LID carries its phone (remoteJidAlt)", async () => {
    const s = await setup();
    const socket = await linked(s);
    from(s, socket, "444555666@lid", "STOP");
    await settle();
    expect(inboundOf(s)).toEqual([]);
    from(s, socket, "444555666@lid", "merci", { alt: "33611111111@s.whatsapp.net" });
    await until(() => inboundOf(s).length === 2, "both replies");
    expect(inboundOf(s)).toEqual([
      ["+33611111111", "merci"],
      ["+33611111111", "STOP"],
    ]);
    await settle();
    expect(await s.storage.sessions.get(sessionIdOf(REFERRER), ["parked-replies"])).toEqual({});
  });

  it("are handed over when a send learns the contact's LID (Baileys' own mapping store emits no event)", async () => {
    const s = await setup();
    const socket = await linked(s);
    from(s, socket, "5550001@lid", "STOP");
    await settle();
    expect(inboundOf(s)).toEqual([]);
    // The usync of the number check / send stores the mapping silently (lib/Signal/lid-mapping.js:15-80).
    s.world.lidStore.set("5550001@lid", "33611111111@s.whatsapp.net");
    expect(await s.transport.isOnWhatsApp(REFERRER, REFERRAL)).toBe(true);
    await s.transport.send(REFERRER, message, { idempotencyKey: "k1", targetId: "t", day: 1 });
    await until(() => inboundOf(s).length === 1, "parked reply handed over");
    expect(inboundOf(s)).toEqual([["+33611111111", "STOP"]]);
  });

  it("expire after 30 days, with a warning, and are not handed over after that", async () => {
    const logger = recordingLogger();
    const s = await setup({ logger });
    const socket = await linked(s);
    from(s, socket, "777888999@lid", "bonjour, qui est-ce ?");
    await settle();
    s.clock.advance(PARKED_REPLY_TTL_MS + 60_000);
    socket.learnLid("777888999@lid", "33622222222@s.whatsapp.net");
    await until(() => logger.warnings.some((w) => /expired/.test(w)), "expiry warning");
    await settle();
    expect(inboundOf(s)).toEqual([]);
    expect(await s.storage.sessions.get(sessionIdOf(REFERRER), ["parked-replies"])).toEqual({});
  });

  it("strangers writing from unmapped LIDs cannot push a target's STOP out of the bounded store", async () => {
    const logger = recordingLogger();
    const s = await setup({ logger });
    const socket = await linked(s);
    from(s, socket, "100000001@lid", "STOP");
    for (let i = 0; i < MAX_PARKED_REPLIES; i++) from(s, socket, `2000${String(i).padStart(5, "0")}@lid`, `promo ${i}`);
    const parked = () => logger.warnings.filter((w) => /LID with no known phone/.test(w)).length;
    // 501 encrypted writes of a growing blob: longer than `until`'s budget on a loaded machine.
    for (let i = 0; i < 3_000 && parked() < MAX_PARKED_REPLIES + 1; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(parked()).toBe(MAX_PARKED_REPLIES + 1);
    socket.learnLid("100000001@lid", "33611111111@s.whatsapp.net");
    await until(() => inboundOf(s).length === 1, "the STOP handed over");
    expect(inboundOf(s)).toEqual([["+33611111111", "STOP"]]);
  });
});

describe("baileys: hosted accounts (B5)", () => {
  it("a reply from a hosted number (`…:99@hosted`) reaches the engine with that number", async () => {
    const s = await setup();
    const socket = await linked(s);
    from(s, socket, "33611111111:99@hosted", "STOP");
    await until(() => inboundOf(s).length === 1, "reply");
    expect(inboundOf(s)).toEqual([["+33611111111", "STOP"]]);
  });

  it("a reply from a hosted LID (`…:99@hosted.lid`) is resolved like a LID: its alt, Baileys' LID store, or parked until mapped", async () => {
    const s = await setup();
    const socket = await linked(s);
    from(s, socket, "300000001:99@hosted.lid", "STOP", { alt: "33611111111:99@hosted" });
    s.world.lidStore.set("300000002@lid", "33622222222@s.whatsapp.net");
    from(s, socket, "300000002:99@hosted.lid", "stop");
    from(s, socket, "300000003:99@hosted.lid", "arrêt");
    await until(() => inboundOf(s).length === 2, "two resolved");
    await settle();
    expect(inboundOf(s)).toEqual([
      ["+33611111111", "STOP"],
      ["+33622222222", "stop"],
    ]);
    socket.learnLid("300000003@lid", "33633333333@s.whatsapp.net");
    await until(() => inboundOf(s).length === 3, "parked one handed over");
    expect(inboundOf(s).at(-1)).toEqual(["+33633333333", "arrêt"]);
  });
});
