import { describe, expect, it } from "vitest";
import type { SessionEntry } from "../../ports/session-repository.js";
import type { ContractContext } from "./context.js";

/** Security 12: a re-encryption job walks every stored session blob and swaps them atomically. */
export function describeSessionScan(ctx: ContractContext): void {
  describe("sessions: scan and replaceIf", () => {
    it("scan returns every entry exactly once, page by page", async () => {
      const sessions = ctx.storage().sessions;
      for (let s = 0; s < 4; s++) {
        const entries: Record<string, string> = {};
        for (let k = 0; k < 5; k++) entries[`key-${k}`] = `value-${s}-${k}`;
        await sessions.set(`session-${s}`, entries);
      }
      const seen: SessionEntry[] = [];
      let after: SessionEntry | null = null;
      for (;;) {
        const page: SessionEntry[] = await sessions.scan(after, 3);
        if (page.length === 0) break;
        expect(page.length).toBeLessThanOrEqual(3);
        seen.push(...page);
        after = page[page.length - 1]!;
      }
      expect(seen).toHaveLength(20);
      expect(new Set(seen.map((e) => `${e.sessionId}/${e.key}`)).size).toBe(20);
      expect(seen.find((e) => e.sessionId === "session-2" && e.key === "key-3")!.value).toBe("value-2-3");
      expect(await sessions.scan(null, 0)).toEqual([]);
    });

    it("replaceIf writes only over the expected value", async () => {
      const sessions = ctx.storage().sessions;
      await sessions.set("s", { k: "old" });
      expect(await sessions.replaceIf("s", "k", "other", "new")).toBe(false);
      expect(await sessions.get("s", ["k"])).toEqual({ k: "old" });
      expect(await sessions.replaceIf("s", "k", "old", "new")).toBe(true);
      expect(await sessions.get("s", ["k"])).toEqual({ k: "new" });
      // A deleted entry is not brought back.
      await sessions.set("s", { k: null });
      expect(await sessions.replaceIf("s", "k", "new", "newer")).toBe(false);
      expect(await sessions.exists("s")).toBe(false);
    });
  });
}
