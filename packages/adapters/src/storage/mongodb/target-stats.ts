import { addDeliveries, addLiftOutcome, addTargetOutcome, emptyLiftCounts, emptyTargetStats, type ExitReason, type LiftCounts, type TargetOutcome, type TargetStats, type TargetStatus } from "@relance/core";
import type { Collection, Document } from "mongodb";
import type { TargetDocument } from "./documents.js";

interface OutcomeGroup {
  _id: { status?: TargetStatus | null; exitReason?: ExitReason | null; lastSentDay?: number | null; lastSentVariant?: string | null };
  count: number;
}

interface DeliveryGroup {
  _id: { status?: string | null; day?: number | null; variant?: string | null };
  count: number;
}

/*
 * Two aggregations whatever the number of targets: one over outcomes, one over deliveries.
 * Only `$match`, `$group` with `$sum` and `$unwind`, which FerretDB implements; the funnel
 * (read ⊂ delivered ⊂ sent) is folded here rather than with `$cond`, which it does not.
 */
/**
 * Global stats scan the collection: bounded on the server, so an abandoned request (a scrape
 * that timed out) never keeps running there. Callers cache them (see the HTTP metrics).
 */
export const STATS_MAX_TIME_MS = 30_000;

export async function targetStats(targets: Collection<TargetDocument>, referrerUserId?: string): Promise<TargetStats> {
  const match: Document = referrerUserId === undefined ? {} : { referrerUserId };
  const [outcomes, deliveries] = await Promise.all([
    targets
      .aggregate<OutcomeGroup>([
        { $match: match },
        {
          $group: {
            _id: { status: "$status", exitReason: "$exitReason", lastSentDay: "$lastSentDay", lastSentVariant: "$lastSentVariant" },
            count: { $sum: 1 },
          },
        },
      ], { maxTimeMS: STATS_MAX_TIME_MS })
      .toArray(),
    targets
      .aggregate<DeliveryGroup>([
        { $match: match },
        { $unwind: "$messagesDelivered" },
        // By day and variant too: a handful of groups per day, whatever the number of targets.
        {
          $group: {
            _id: { status: "$messagesDelivered.status", day: "$messagesDelivered.day", variant: "$messagesDelivered.variant" },
            count: { $sum: 1 },
          },
        },
      ], { maxTimeMS: STATS_MAX_TIME_MS })
      .toArray(),
  ]);

  const stats = emptyTargetStats();
  for (const { _id: group, count } of outcomes) addTargetOutcome(stats, group as TargetOutcome, count);
  for (const { _id: group, count } of deliveries) addDeliveries(stats, group.status ?? null, count, group.day, group.variant);
  return stats;
}

interface LiftGroup {
  _id: { group?: string | null; exitReason?: string | null; exitDay?: number | null };
  count: number;
}

/** One aggregation: targets of the lift's groups by group, exit reason and exit day (a few dozen groups). */
export async function targetLiftCounts(targets: Collection<TargetDocument>, referrerUserId?: string): Promise<LiftCounts> {
  const match: Document = { group: { $in: ["treated", "holdout"] }, ...(referrerUserId === undefined ? {} : { referrerUserId }) };
  const groups = await targets
    .aggregate<LiftGroup>([{ $match: match }, { $group: { _id: { group: "$group", exitReason: "$exitReason", exitDay: "$exitDay" }, count: { $sum: 1 } } }], {
      maxTimeMS: STATS_MAX_TIME_MS,
    })
    .toArray();
  const counts = emptyLiftCounts();
  for (const { _id: group, count } of groups) addLiftOutcome(counts, { group: group.group, exitReason: group.exitReason, exitDay: group.exitDay }, count);
  return counts;
}
