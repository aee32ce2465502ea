import { afterEach, describe, expect, it } from "vitest";
import type { Logger, TransportEvent } from "@relance/core";
import { ManualClock } from "../../src/index.js";
import { LID_REPLY_TTL_MS, MAX_LID_REPLIES } from "../../src/transports/session/lid-replies.js";
import { PENDING_KEY } from "../../src/transports/wwebjs/session-book.js";
import { sessionIdOf } from "../../src/transports/wwebjs/session-ids.js";
import { REFERRER, linked, storedEntry, world, type World } from "./support/wwebjs-world.js";

// Replies from a LID with no known number wait under the same rule as Baileys' parked replies
// (session/lid-replies.ts): a 30-day TTL, and a bound that never pushes a target's STOP out.
// Before, whatsapp-web.js kept them forever and dropped the oldest, STOPs included.

function capturingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  const none = () => undefined;
  return { warnings, debug: none, info: none, warn: (_: Record<string, unknown>, message: string) => void warnings.push(message), error: none };
}

const inbound = (events: TransportEvent[]) => events.flatMap((e) => (e.type === "inbound" ? [{ from: e.from, text: e.text }] : []));

describe("wwebjs: replies waiting for a LID's number", () => {
  let w: World;
  afterEach(async () => {
    await w?.close();
  });

  it("expire after 30 days, with a warning, and are not handed over after that", async () => {
    const logger = capturingLogger();
    const clock = new ManualClock("2026-01-05T10:00:00Z");
    w = await world({ clock, logger });
    await linked(w);
    w.fake.latest(REFERRER).receive("444555666777888@lid", "bonjour, qui est-ce ?");
    await w.transport.idle();
    expect(JSON.parse((await storedEntry(w, PENDING_KEY))!)).toEqual([{ id: expect.any(String), lid: "444555666777888@lid", text: "bonjour, qui est-ce ?", at: clock.now().getTime() }]);

    clock.advance(LID_REPLY_TTL_MS + 60_000);
    w.fake.lids.set("444555666777888@lid", "33622222222@c.us");
    expect(await w.transport.isOnWhatsApp(REFERRER, "+33622222222")).toBe(true);
    await w.transport.idle();
    expect(inbound(w.events)).toEqual([]);
    expect(logger.warnings.some((m) => /expired/.test(m))).toBe(true);
    expect((await w.storage.sessions.get(sessionIdOf(REFERRER), [PENDING_KEY]))[PENDING_KEY]).toBeUndefined();
  });

  it("strangers writing from unmapped LIDs cannot push a target's STOP out of the bounded list", async () => {
    w = await world();
    await linked(w);
    const client = w.fake.latest(REFERRER);
    client.receive("100000000000001@lid", "STOP");
    for (let i = 0; i < MAX_LID_REPLIES; i++) client.receive(`2000000${String(i).padStart(8, "0")}@lid`, `promo ${i}`);
    await w.transport.idle();

    w.fake.lids.set("100000000000001@lid", "33611111111@c.us");
    expect(await w.transport.isOnWhatsApp(REFERRER, "+33611111111")).toBe(true);
    await w.transport.idle();
    expect(inbound(w.events)).toEqual([{ from: "+33611111111", text: "STOP" }]);
  });
});
