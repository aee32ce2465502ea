import type { ExitReason, TargetStats, TargetStatus } from "@relance/core";
import type { Collection, Document } from "mongodb";
import type { TargetDocument } from "./documents";

interface OutcomeGroup {
  _id: { status?: TargetStatus | null; exitReason?: ExitReason | null; lastSentDay?: number | null };
  count: number;
}

interface DeliveryGroup {
  _id: string | null;
  count: number;
}

/*
 * Two aggregations whatever the number of targets: one over outcomes, one over deliveries.
 * Only `$match`, `$group` with `$sum` and `$unwind`, which FerretDB implements; the funnel
 * (read ⊂ delivered ⊂ sent) is folded here rather than with `$cond`, which it does not.
 */
export async function targetStats(targets: Collection<TargetDocument>, referrerUserId?: string): Promise<TargetStats> {
  const match: Document = referrerUserId === undefined ? {} : { referrerUserId };
  const [outcomes, deliveries] = await Promise.all([
    targets
      .aggregate<OutcomeGroup>([
        { $match: match },
        {
          $group: {
            _id: { status: "$status", exitReason: "$exitReason", lastSentDay: "$lastSentDay" },
            count: { $sum: 1 },
          },
        },
      ])
      .toArray(),
    targets
      .aggregate<DeliveryGroup>([
        { $match: match },
        { $unwind: "$messagesDelivered" },
        { $group: { _id: "$messagesDelivered.status", count: { $sum: 1 } } },
      ])
      .toArray(),
  ]);

  const stats: TargetStats = {
    enrolled: 0,
    active: 0,
    completed: 0,
    exited: {},
    messages: { sent: 0, delivered: 0, read: 0, failed: 0 },
    conversions: { total: 0, byDay: {} },
  };
  for (const { _id: group, count } of outcomes) {
    stats.enrolled += count;
    if (group.status === "active") stats.active += count;
    if (group.status === "completed") stats.completed += count;
    if (group.status !== "exited" || group.exitReason == null) continue;
    stats.exited[group.exitReason] = (stats.exited[group.exitReason] ?? 0) + count;
    if (group.exitReason === "paid" && group.lastSentDay != null) {
      const day = String(group.lastSentDay);
      stats.conversions.total += count;
      stats.conversions.byDay[day] = (stats.conversions.byDay[day] ?? 0) + count;
    }
  }
  for (const { _id: status, count } of deliveries) {
    if (status === "failed") stats.messages.failed += count;
    if (status === "sent" || status === "delivered" || status === "read") stats.messages.sent += count;
    if (status === "delivered" || status === "read") stats.messages.delivered += count;
    if (status === "read") stats.messages.read += count;
  }
  return stats;
}
