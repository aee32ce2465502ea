import { describe, expect, it } from "vitest";
import type { TransportEvent } from "@relance/core";
import { REFERRER, linked, until, world, type World } from "./support/wwebjs-world.js";

// Issue 18, "nothing acknowledged is ever lost", on whatsapp-web.js: a reply the client surfaced
// is marked seen (inbox.ts: the ring of seen ids) so that no catch-up emits it again; if the
// engine did not store it, only the journal still has it. It is handed over again when the
// session is next brought up, in another process, before `connected`.

const inbound = (events: TransportEvent[]) => events.flatMap((e) => (e.type === "inbound" ? [{ from: e.from, text: e.text }] : []));

/**
 * Process A's engine, whose database fails under it: every reply reaches it and is refused.
 * The session is then linked; the texts the engine refused are collected.
 */
async function linkedBehindFailingEngine(w: World): Promise<string[]> {
  const refused: string[] = [];
  w.transport.subscribe(async (event) => {
    if (event.type !== "inbound") return;
    refused.push(event.text);
    throw new Error("database unreachable");
  });
  await linked(w);
  return refused;
}

describe("whatsapp-web.js: the inbound journal", () => {
  it("a STOP the engine refused is handed over by the next process before the session is connected", async () => {
    const w = await world();
    try {
      const refused = await linkedBehindFailingEngine(w);
      w.fake.latest(REFERRER).receive("33611111111@c.us", "STOP");
      await until(() => refused.length > 0, "the STOP reaching the engine");
      await w.transport.idle();
      await w.transport.close();

      const next = w.otherProcess();
      const events: TransportEvent[] = [];
      next.subscribe((event) => events.push(event));
      expect(await next.ensureReady(REFERRER)).toMatchObject({ status: "connected" });
      expect(inbound(events)).toEqual([{ from: "+33611111111", text: "STOP" }]);
      const connectedAt = events.findIndex((e) => e.type === "link" && e.state.status === "connected");
      expect(events.findIndex((e) => e.type === "inbound")).toBeLessThan(connectedAt);

      // Acknowledged this time: a third process hands nothing over.
      await next.idle();
      await next.close();
      const third = w.otherProcess();
      const later: TransportEvent[] = [];
      third.subscribe((event) => later.push(event));
      await third.ensureReady(REFERRER);
      expect(inbound(later)).toEqual([]);
    } finally {
      await w.close();
    }
  });

  it("erasure (forgetContact) removes the person's unacknowledged replies from the journal: no later replay hands them over (X3)", async () => {
    const w = await world();
    try {
      const refused = await linkedBehindFailingEngine(w);
      w.fake.latest(REFERRER).receive("33611111111@c.us", "STOP");
      w.fake.latest(REFERRER).receive("33622222222@c.us", "bonjour");
      await until(() => refused.length === 2, "both replies reaching the engine");
      await w.transport.idle();
      await w.transport.close();

      // Another process erases the person (the session is stored, not running there).
      const eraser = w.otherProcess();
      await eraser.forgetContact!(REFERRER, "+33611111111");
      await eraser.close();

      const next = w.otherProcess();
      const events: TransportEvent[] = [];
      next.subscribe((event) => events.push(event));
      expect(await next.ensureReady(REFERRER)).toMatchObject({ status: "connected" });
      expect(inbound(events)).toEqual([{ from: "+33622222222", text: "bonjour" }]);
      await next.idle();
      await next.close();
    } finally {
      await w.close();
    }
  });
});
