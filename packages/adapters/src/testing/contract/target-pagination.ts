import { describe, expect, it } from "vitest";
import type { Target, TargetListFilter } from "@relance/core";
import { makeTarget } from "../builders.js";
import { range, type ContractContext } from "./context.js";

export function describeTargetPagination(ctx: ContractContext): void {
  async function listAll(filter: TargetListFilter, limit: number): Promise<Target[][]> {
    const pages: Target[][] = [];
    let after: string | null = null;
    do {
      const page = await ctx.storage().targets.list(filter, { limit, after });
      expect(page.items.length).toBeLessThanOrEqual(limit);
      pages.push(page.items);
      after = page.nextCursor;
    } while (after !== null && pages.length < 100);
    return pages;
  }

  describe("targets: cursor pagination", () => {
    it("pages of 3 over 10 targets cover all exactly once, in id order, then a null cursor", async () => {
      const targets = range(10).map(() => makeTarget());
      // Shuffled so that insertion order cannot pass for id order.
      for (const i of [4, 9, 0, 7, 2, 5, 1, 8, 3, 6]) await ctx.storage().targets.insertIfAbsent(targets[i]!);
      const pages = await listAll({}, 3);
      expect(pages.slice(0, 4).map((p) => p.length)).toEqual([3, 3, 3, 1]);
      expect(pages.flat().map((t) => t.id)).toEqual(targets.map((t) => t.id));
      expect(pages[0]![0]).toEqual(targets[0]);
    });

    it("an empty store lists one empty page", async () => {
      expect(await ctx.storage().targets.list({}, { limit: 5 })).toEqual({ items: [], nextCursor: null });
    });

    it("targets inserted between page fetches cause no duplicate and no skip", async () => {
      const originals = range(10).map(() => makeTarget());
      for (const t of originals) await ctx.storage().targets.insertIfAbsent(t);
      const seen: string[] = [];
      let page = await ctx.storage().targets.list({}, { limit: 3 });
      seen.push(...page.items.map((t) => t.id));
      const added: Target[] = [];
      while (page.nextCursor !== null) {
        const newcomer = makeTarget();
        added.push(newcomer);
        await ctx.storage().targets.insertIfAbsent(newcomer);
        page = await ctx.storage().targets.list({}, { limit: 3, after: page.nextCursor });
        seen.push(...page.items.map((t) => t.id));
        if (added.length > 50) break;
      }
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen.filter((id) => originals.some((t) => t.id === id))).toEqual(originals.map((t) => t.id));
      expect([...seen].sort()).toEqual(seen);
    });

    it("filters by referrer and by status", async () => {
      const r1Active = range(4).map(() => makeTarget({ referrerUserId: "r-1" }));
      const r1Exited = range(2).map(() => makeTarget({ referrerUserId: "r-1", status: "exited", exitReason: "paid" }));
      const r2Active = range(3).map(() => makeTarget({ referrerUserId: "r-2" }));
      for (const t of [...r2Active, ...r1Exited, ...r1Active]) await ctx.storage().targets.insertIfAbsent(t);
      const byId = (list: Target[]) => list.map((t) => t.id).sort();
      expect((await listAll({ referrerUserId: "r-1" }, 2)).flat().map((t) => t.id)).toEqual(byId([...r1Active, ...r1Exited]));
      expect((await listAll({ status: "active" }, 3)).flat().map((t) => t.id)).toEqual(byId([...r1Active, ...r2Active]));
      expect((await listAll({ referrerUserId: "r-1", status: "exited" }, 1)).flat().map((t) => t.id)).toEqual(byId(r1Exited));
      expect((await listAll({ referrerUserId: "r-9" }, 5)).flat()).toEqual([]);
    });
  });
}
