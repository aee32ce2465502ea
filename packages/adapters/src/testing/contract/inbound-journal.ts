import { describe, expect, it } from "vitest";
import type { E164 } from "@relance/core";
import { createSessionCipher } from "../../crypto/session-cipher.js";
import { InboundJournals, JOURNAL_KEY, JournalStore, type JournalEntry } from "../../transports/session/inbound-journal.js";
import { range, type ContractContext } from "./context.js";

const SESSION = "baileys:ref-1";
const cipher = createSessionCipher({ secrets: ["a-contract-secret-of-32-chars!!!"] });

const entry = (n: number): JournalEntry => ({ id: `MSG-${n}`, from: `+336111111${String(n % 100).padStart(2, "0")}` as E164, text: `STOP ${n}`, at: new Date(Date.UTC(2026, 0, 5, 8, 0, n)).toISOString() });

/**
 * The transports' inbound journal (issue 18) over this storage's session repository: what one
 * process wrote is what another reads, removals never lose another's entry, and nothing is in
 * clear text.
 */
export function describeInboundJournal(ctx: ContractContext): void {
  describe("inbound journal (on the session repository)", () => {
    const store = () => new JournalStore(ctx.storage().sessions, cipher, SESSION);

    it("what one process journaled is listed by another, in order; removed entries are gone", async () => {
      await store().add([entry(1), entry(2)]);
      await store().add([entry(3), entry(2)]);
      expect(await store().list()).toEqual([entry(1), entry(2), entry(3)]);
      await store().remove(["MSG-2", "MSG-unknown"]);
      expect(await store().list()).toEqual([entry(1), entry(3)]);
      await store().remove(["MSG-1", "MSG-3"]);
      expect(await store().list()).toEqual([]);
    });

    it("survives a reopen of the storage", async () => {
      if (!ctx.options.reopen) return;
      await store().add([entry(7)]);
      await ctx.reopen();
      expect(await store().list()).toEqual([entry(7)]);
    });

    it("is encrypted: neither the number nor the text is stored in clear", async () => {
      await store().add([entry(1)]);
      const raw = (await ctx.storage().sessions.get(SESSION, [JOURNAL_KEY]))[JOURNAL_KEY]!;
      // The session cipher's blob (v1.<keyId>.<iv>.<tag>.<ciphertext>), not the entry.
      expect(raw).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+\.[\w-]+$/);
      expect(raw).not.toContain("STOP");
      expect(raw).not.toContain("33611111");
    });

    it("two processes adding and removing at once on one journal lose nothing (compare-and-set)", async () => {
      await store().add([entry(0)]);
      const a = store();
      const b = store();
      await Promise.all([...range(10).map((i) => a.add([entry(i + 1)])), ...range(10).map((i) => b.add([entry(i + 11)])), a.remove(["MSG-0"])]);
      expect((await store().list()).map((e) => e.id).sort()).toEqual(range(20).map((i) => `MSG-${i + 1}`).sort());
    });

    it("a removal after the session was cleared (a logout) writes nothing back", async () => {
      const s = store();
      await s.add([entry(1)]);
      await ctx.storage().sessions.clear(SESSION);
      await s.remove(["MSG-1"]);
      expect(await ctx.storage().sessions.exists(SESSION)).toBe(false);
    });

    it("a reply the engine did not acknowledge is handed over again by the next process; acknowledged ones are removed", async () => {
      const handed: string[] = [];
      const journals = (ack: boolean) =>
        new InboundJournals({
          sessions: ctx.storage().sessions,
          cipher,
          logger: { debug() {}, info() {}, warn() {}, error() {} },
          sessionIdOf: () => SESSION,
          deliver: async (event) => {
            handed.push(event.text);
            if (!ack) throw new Error("the engine could not store it");
          },
        });
      const first = journals(false);
      await first.accept("ref-1", [{ id: "MSG-1", from: "+33611111101" as E164, text: "STOP", at: new Date(Date.UTC(2026, 0, 5)) }]);
      await first.settled();
      const second = journals(true);
      expect(await second.replay("ref-1")).toBe(1);
      await second.settled();
      expect(handed).toEqual(["STOP", "STOP"]);
      expect(await store().list()).toEqual([]);
      expect(await journals(true).replay("ref-1")).toBe(0);
    });
  });
}
