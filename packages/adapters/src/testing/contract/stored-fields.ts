import { describe, expect, it } from "vitest";
import { makeConfig, makeDelivery, makeMessage, makeTarget } from "../builders.js";
import type { ContractContext } from "./context.js";

const TARGET_FIELDS = [
  "referrerUserId",
  "referralUserId",
  "status",
  "currentDay",
  "nextMessageDue",
  "language",
  "messagesDelivered",
  "enteredLoopAt",
  "exitedLoopAt",
  "exitReason",
];
const MESSAGE_FIELDS = ["dayNumber", "messageTemplate", "mediaUrls", "active"];
const CONFIG_FIELDS = ["referrerUserId", "enabled", "timezone", "sendWindow"];

export function describeStoredFields(ctx: ContractContext): void {
  const { raw } = ctx.options;
  if (!raw) {
    it.skip("stored documents use the platform's field names (skipped: no raw reader given for this backend)", () => {});
    return;
  }

  describe("stored documents use the platform's field names", () => {
    it("targets", async () => {
      const target = makeTarget({ referralUserId: "u-raw", messagesDelivered: [makeDelivery({ day: 1, messageId: "m-raw" })] });
      await ctx.storage().targets.insertIfAbsent(target);
      const doc = await raw(ctx.storage()).findTarget(target.id);
      expect(doc).not.toBeNull();
      expect(Object.keys(doc!)).toEqual(expect.arrayContaining(TARGET_FIELDS));
      expect(doc!._id ?? doc!.id).toBe(target.id);
      expect(doc).toMatchObject({ referrerUserId: "referrer-1", referralUserId: "u-raw", status: "active", currentDay: 1, exitReason: null });
      const [delivery] = doc!.messagesDelivered as Record<string, unknown>[];
      expect(delivery).toMatchObject({ day: 1, status: "sent", messageId: "m-raw" });
      expect(await raw(ctx.storage()).findTarget("target-missing")).toBeNull();
    });

    it("messages", async () => {
      await ctx.storage().messages.upsert(makeMessage({ dayNumber: 3 }));
      const doc = await raw(ctx.storage()).findMessage(3);
      expect(Object.keys(doc ?? {})).toEqual(expect.arrayContaining(MESSAGE_FIELDS));
      expect(doc).toMatchObject({ dayNumber: 3, active: true, messageTemplate: makeMessage().messageTemplate });
    });

    it("configs", async () => {
      await ctx.storage().configs.getOrCreate(makeConfig({ referrerUserId: "r-raw" }));
      const doc = await raw(ctx.storage()).findConfig("r-raw");
      expect(Object.keys(doc ?? {})).toEqual(expect.arrayContaining(CONFIG_FIELDS));
      expect(doc).toMatchObject({ referrerUserId: "r-raw", enabled: true, timezone: "Europe/Paris", sendWindow: { start: "08:00", end: "20:00" } });
    });
  });
}
