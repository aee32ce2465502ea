import { describe, expect, it } from "vitest";
import { at, makeMessage } from "../builders.js";
import { range, type ContractContext } from "./context.js";

export function describeMessages(ctx: ContractContext): void {
  describe("messages", () => {
    it("list is empty and get is null at first", async () => {
      expect(await ctx.storage().messages.list()).toEqual([]);
      expect(await ctx.storage().messages.get(1)).toBeNull();
    });

    it("upsert creates, then replaces the whole message, telling which", async () => {
      const first = makeMessage({ dayNumber: 2 });
      expect(await ctx.storage().messages.upsert(first)).toEqual({ created: true, message: first });
      expect(await ctx.storage().messages.get(2)).toEqual(first);

      const second = makeMessage({ dayNumber: 2, messageTemplate: { fr: "Relance" }, mediaUrls: [], active: false, updatedAt: at(1) });
      expect(await ctx.storage().messages.upsert(second)).toEqual({ created: false, message: second });
      const stored = await ctx.storage().messages.get(2);
      expect(stored).toEqual(second);
      expect(stored!.messageTemplate).toEqual({ fr: "Relance" });
      expect(stored!.updatedAt).toBeInstanceOf(Date);
    });

    it("list returns every message, active or not, ordered by dayNumber", async () => {
      for (const day of [3, 1, 7, 2]) {
        await ctx.storage().messages.upsert(makeMessage({ dayNumber: day, active: day !== 3 }));
      }
      const list = await ctx.storage().messages.list();
      expect(list.map((m) => m.dayNumber)).toEqual([1, 2, 3, 7]);
      expect(list[2]).toEqual(makeMessage({ dayNumber: 3, active: false }));
    });

    it("keeps media items of every type and language", async () => {
      const message = makeMessage({
        dayNumber: 4,
        mediaUrls: [
          { url: "https://cdn.example/a.mp4", type: "video", language: "fr" },
          { url: "https://cdn.example/b.pdf", type: "document", language: "en", caption: "Guide" },
          { url: "https://cdn.example/c.ogg", type: "audio", language: "both" },
        ],
      });
      await ctx.storage().messages.upsert(message);
      expect(await ctx.storage().messages.get(4)).toEqual(message);
    });

    it("concurrent upserts of one day create it once", async () => {
      const results = await Promise.all(
        range(10).map((i) => ctx.storage().messages.upsert(makeMessage({ dayNumber: 5, messageTemplate: { fr: `v${i}` } }))),
      );
      expect(results.filter((r) => r.created)).toHaveLength(1);
      expect(await ctx.storage().messages.list()).toHaveLength(1);
    });

    it("delete removes a message and is false when there is none", async () => {
      await ctx.storage().messages.upsert(makeMessage({ dayNumber: 1 }));
      await ctx.storage().messages.upsert(makeMessage({ dayNumber: 2 }));
      expect(await ctx.storage().messages.delete(1)).toBe(true);
      expect(await ctx.storage().messages.delete(1)).toBe(false);
      expect(await ctx.storage().messages.get(1)).toBeNull();
      expect((await ctx.storage().messages.list()).map((m) => m.dayNumber)).toEqual([2]);
    });
  });
}
