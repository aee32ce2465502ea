import { describe, expect, it } from "vitest";
import type { DeliveryStatus, Target, TargetStats } from "@relance/core";
import { at, HOUR, makeDelivery, makeTarget } from "../builders.js";
import type { ContractContext } from "./context.js";

function deliveries(...statuses: DeliveryStatus[]) {
  return statuses.map((status, i) => makeDelivery({ day: i + 1, sentAt: at(i * 24 * HOUR), status }));
}

function exited(reason: Target["exitReason"], lastSentDay: number | null, overrides: Partial<Target> = {}): Partial<Target> {
  return { status: "exited", exitReason: reason, lastSentDay, nextMessageDue: null, exitedLoopAt: at(HOUR), ...overrides };
}

/**
 * referrer r-1: active (read, delivered, failed); paid after day 2 (delivered, sent); paid before
 * any message; opted out after day 1 (read); completed (read on its one day).
 * referrer r-2: paid after day 2 (sent, sent); active without deliveries; paid after day 1 (delivered).
 */
function population(): Target[] {
  return [
    makeTarget({ referrerUserId: "r-1", currentDay: 4, lastSentDay: 2, messagesDelivered: deliveries("read", "delivered", "failed") }),
    makeTarget({ referrerUserId: "r-1", ...exited("paid", 2), messagesDelivered: deliveries("delivered", "sent") }),
    makeTarget({ referrerUserId: "r-1", ...exited("paid", null) }),
    makeTarget({ referrerUserId: "r-1", ...exited("opted_out", 1), messagesDelivered: deliveries("read") }),
    makeTarget({ referrerUserId: "r-1", ...exited("completed_7_days", 7, { status: "completed" }), messagesDelivered: deliveries("read") }),
    makeTarget({ referrerUserId: "r-2", ...exited("paid", 2), messagesDelivered: deliveries("sent", "sent") }),
    makeTarget({ referrerUserId: "r-2" }),
    makeTarget({ referrerUserId: "r-2", ...exited("paid", 1), messagesDelivered: deliveries("delivered") }),
  ];
}

export function describeTargetStats(ctx: ContractContext): void {
  describe("targets: stats", () => {
    it("an empty store has zero stats", async () => {
      const empty: TargetStats = {
        enrolled: 0,
        active: 0,
        completed: 0,
        exited: {},
        messages: { sent: 0, delivered: 0, read: 0, failed: 0 },
        conversions: { total: 0, byDay: {}, byVariant: {} },
      };
      expect(await ctx.storage().targets.stats({})).toEqual(empty);
    });

    it("counts statuses, exits by reason (status exited only), the message funnel and conversions", async () => {
      for (const target of population()) await ctx.storage().targets.insertIfAbsent(target);

      expect(await ctx.storage().targets.stats({})).toEqual({
        enrolled: 8,
        active: 2,
        completed: 1,
        exited: { paid: 4, opted_out: 1 },
        messages: { sent: 9, delivered: 6, read: 3, failed: 1 },
        conversions: { total: 3, byDay: { "1": 1, "2": 2 }, byVariant: {} },
      });
      expect(await ctx.storage().targets.stats({ referrerUserId: "r-1" })).toEqual({
        enrolled: 5,
        active: 1,
        completed: 1,
        exited: { paid: 2, opted_out: 1 },
        messages: { sent: 6, delivered: 5, read: 3, failed: 1 },
        conversions: { total: 1, byDay: { "2": 1 }, byVariant: {} },
      });
      expect(await ctx.storage().targets.stats({ referrerUserId: "r-2" })).toEqual({
        enrolled: 3,
        active: 1,
        completed: 0,
        exited: { paid: 2 },
        messages: { sent: 3, delivered: 1, read: 0, failed: 0 },
        conversions: { total: 2, byDay: { "1": 1, "2": 1 }, byVariant: {} },
      });
    });
  });
}
