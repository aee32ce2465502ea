import { describe, expect, it } from "vitest";
import type { TransportEvent } from "@relance/core";
import { JOURNAL_KEY, JournalStore } from "../../src/transports/session/inbound-journal.js";
import { createSessionCipher } from "../../src/index.js";
import { sessionIdOf } from "../../src/transports/baileys/index.js";
import { REFERRAL, REFERRER, SECRET, linked, setup } from "./support/baileys-harness.js";

// Issue 18 on Baileys: Baileys acknowledges a message to WhatsApp (the delivery receipt,
// messages-recv.js:1417) before it surfaces it (1432). The reply is journaled before the engine
// sees it, removed once the engine acknowledged it, and `close` waits for that acknowledgement.

const journalOf = (s: Awaited<ReturnType<typeof setup>>) => new JournalStore(s.storage.sessions, createSessionCipher({ secrets: [SECRET] }), sessionIdOf(REFERRER)).list();

describe("baileys: the inbound journal", () => {
  it("a reply is in the journal while the engine handles it, and gone once acknowledged", async () => {
    const s = await setup();
    let acknowledge!: () => void;
    const acknowledged = new Promise<void>((resolve) => (acknowledge = resolve));
    let seen: TransportEvent | null = null;
    s.transport.subscribe((event) => {
      if (event.type !== "inbound") return;
      seen = event;
      return acknowledged;
    });
    const sock = await linked(s);
    sock.receiveText(REFERRAL, "STOP");
    for (let i = 0; i < 400 && !seen; i++) await new Promise((r) => setTimeout(r, 5));
    expect(seen).toMatchObject({ from: REFERRAL, text: "STOP" });
    expect(await journalOf(s)).toMatchObject([{ from: REFERRAL, text: "STOP" }]);
    const raw = (await s.storage.sessions.get(sessionIdOf(REFERRER), [JOURNAL_KEY]))[JOURNAL_KEY]!;
    expect(raw).not.toContain("STOP");

    // `close` waits for the acknowledgement before it lets the listeners go.
    const closing = s.transport.close();
    acknowledge();
    await closing;
    expect(await journalOf(s)).toEqual([]);
  });

  it("a reply no listener acknowledged (the engine stopped) stays for the next ready", async () => {
    const s = await setup({ inboundAckWaitMs: 50 });
    const sock = await linked(s);
    s.transport.subscribe((event) => (event.type === "inbound" ? new Promise(() => {}) : undefined));
    sock.receiveText(REFERRAL, "STOP");
    for (let i = 0; i < 400 && (await journalOf(s)).length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    await s.transport.close();
    expect(await journalOf(s)).toMatchObject([{ from: REFERRAL, text: "STOP" }]);
  });
});
