import { describe, expect, it } from "vitest";
import type { MessageVariant, Target } from "@relance/core";
import { at, HOUR, makeConfig, makeDelivery, makeMessage, makeTarget } from "../builders.js";
import type { ContractContext } from "./context.js";

const VARIANTS: MessageVariant[] = [
  { key: "short", messageTemplate: { fr: "Court, {{firstName}}" }, mediaUrls: [], weight: 30 },
  {
    key: "with-video",
    messageTemplate: { fr: "Vidéo pour {{firstName}}", en: "Video for {{firstName}}" },
    mediaUrls: [{ url: "https://cdn.example.com/v.mp4", type: "video", language: "both", caption: "pour {{firstName}}" }],
    weight: 20,
  },
];

function sent(day: number, variant?: string, status: "sent" | "delivered" | "read" | "failed" = "sent") {
  return makeDelivery({ day, sentAt: at(day * 24 * HOUR), status, ...(variant ? { variant } : {}) });
}

/** The fields of a reply and of variants, on every adapter: stored, updated, reopened, counted. */
export function describeRepliesAndVariants(ctx: ContractContext): void {
  describe("replies and variants", () => {
    it("messages keep their variants (text, media, weight) and default weight; a day without variants has none", async () => {
      const storage = ctx.storage();
      await storage.messages.upsert(makeMessage({ dayNumber: 1, defaultWeight: 50, variants: VARIANTS }));
      await storage.messages.upsert(makeMessage({ dayNumber: 2 }));
      const [withVariants, without] = await storage.messages.list();
      expect(withVariants).toMatchObject({ dayNumber: 1, defaultWeight: 50, variants: VARIANTS });
      expect(await storage.messages.get(1)).toEqual(withVariants);
      expect(without).not.toHaveProperty("variants");
    });

    it("configs keep onReply", async () => {
      const storage = ctx.storage();
      await storage.configs.getOrCreate(makeConfig({ referrerUserId: "r-reply" }));
      expect((await storage.configs.get("r-reply"))?.onReply ?? "stop").toBe("stop");
      await storage.configs.update("r-reply", { onReply: "continue", updatedAt: at(1) });
      expect(await storage.configs.get("r-reply")).toMatchObject({ onReply: "continue" });
    });

    it("targets keep a delivery's variant, lastSentVariant and repliedAt (a Date), and exit as replied", async () => {
      const storage = ctx.storage();
      const target = makeTarget({ referralUserId: "u-variant" });
      await storage.targets.insertIfAbsent(target);
      const recorded = await storage.targets.updateIf(target.id, { status: "active" }, {
        currentDay: 2,
        lastSentDay: 1,
        lastSentVariant: "short",
        pushDelivery: sent(1, "short"),
        updatedAt: at(1),
      });
      expect(recorded).toMatchObject({ lastSentVariant: "short", messagesDelivered: [{ day: 1, variant: "short" }] });
      const replied = await storage.targets.updateIf(target.id, { revision: recorded!.revision }, { repliedAt: at(2), updatedAt: at(2) });
      expect(replied?.repliedAt).toEqual(at(2));
      await storage.targets.updateIf(target.id, { status: "active" }, { status: "exited", exitReason: "replied", exitedLoopAt: at(3), nextMessageDue: null, updatedAt: at(3) });
      const read = (await storage.targets.get(target.id)) as Target;
      expect(read.repliedAt).toBeInstanceOf(Date);
      expect(read).toMatchObject({ status: "exited", exitReason: "replied", lastSentVariant: "short", repliedAt: at(2), messagesDelivered: [{ variant: "short" }] });
      // A day without variants clears the previous day's.
      const cleared = await storage.targets.updateIf(target.id, {}, { lastSentDay: 2, lastSentVariant: null, pushDelivery: sent(2), updatedAt: at(4) });
      expect(cleared?.lastSentVariant ?? null).toBeNull();
      expect(cleared?.messagesDelivered[1]).not.toHaveProperty("variant");
      expect((await storage.targets.stats({})).exited).toEqual({ replied: 1 });
    });

    it("stats count sends per day and variant, and conversions under the variant of the last day sent", async () => {
      const storage = ctx.storage();
      const paid = (lastSentDay: number, lastSentVariant: string | null): Partial<Target> => ({
        status: "exited",
        exitReason: "paid",
        exitedLoopAt: at(5 * 24 * HOUR),
        nextMessageDue: null,
        lastSentDay,
        lastSentVariant,
      });
      const targets = [
        // Active: day 1 "short" (read), day 2 without variants.
        makeTarget({ referrerUserId: "r-1", currentDay: 3, lastSentDay: 2, messagesDelivered: [sent(1, "short", "read"), sent(2)] }),
        // Paid after day 1 "short".
        makeTarget({ referrerUserId: "r-1", ...paid(1, "short"), messagesDelivered: [sent(1, "short", "delivered")] }),
        // Paid after day 1 "default".
        makeTarget({ referrerUserId: "r-1", ...paid(1, "default"), messagesDelivered: [sent(1, "default")] }),
        // Paid after day 2, which had no variants: under byDay only.
        makeTarget({ referrerUserId: "r-2", ...paid(2, null), messagesDelivered: [sent(1, "with-video"), sent(2)] }),
        // A failed day-1 attempt counts nowhere, its retry as sent.
        makeTarget({ referrerUserId: "r-2", currentDay: 2, lastSentDay: 1, lastSentVariant: "with-video", messagesDelivered: [sent(1, "with-video", "failed"), sent(1, "with-video")] }),
      ];
      for (const target of targets) await storage.targets.insertIfAbsent(target);

      const all = await storage.targets.stats({});
      expect(all.conversions).toEqual({
        total: 3,
        byDay: { "1": 2, "2": 1 },
        byVariant: { "1": { short: { sent: 2, converted: 1 }, default: { sent: 1, converted: 1 }, "with-video": { sent: 2, converted: 0 } } },
      });
      expect(all.messages).toEqual({ sent: 7, delivered: 2, read: 1, failed: 1 });
      expect((await storage.targets.stats({ referrerUserId: "r-2" })).conversions.byVariant).toEqual({ "1": { "with-video": { sent: 2, converted: 0 } } });
    });

    it("survives a reopen", async () => {
      if (!ctx.options.reopen) return;
      const target = makeTarget({ referralUserId: "u-reopen", lastSentDay: 1, lastSentVariant: "short", repliedAt: at(7), messagesDelivered: [sent(1, "short")] });
      await ctx.storage().targets.insertIfAbsent(target);
      await ctx.storage().messages.upsert(makeMessage({ dayNumber: 4, defaultWeight: 2, variants: VARIANTS }));
      const storage = await ctx.reopen();
      expect(await storage.targets.get(target.id)).toMatchObject({ lastSentVariant: "short", repliedAt: at(7), messagesDelivered: [{ variant: "short" }] });
      expect(await storage.messages.get(4)).toMatchObject({ defaultWeight: 2, variants: VARIANTS });
    });
  });
}
