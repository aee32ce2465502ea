import type { LiftCounts, TargetStats, VariantStats } from "../ports/storage.js";
import type { DeliveryStatus, ExitReason, TargetGroup, TargetStatus } from "./target.js";

export function emptyTargetStats(): TargetStats {
  return {
    enrolled: 0,
    active: 0,
    completed: 0,
    exited: {},
    messages: { sent: 0, delivered: 0, read: 0, failed: 0 },
    conversions: { total: 0, byDay: {}, byVariant: {} },
  };
}

/** The outcome fields of `count` targets alike (one target, or one group of an aggregation). */
export interface TargetOutcome {
  status: TargetStatus | null | undefined;
  exitReason: ExitReason | null | undefined;
  lastSentDay: number | null | undefined;
  lastSentVariant?: string | null | undefined;
}

/**
 * Counts targets into the stats. A conversion is a paid exit that had received at least one
 * message, attributed to the last day sent before the payment (frozen at the exit).
 */
export function addTargetOutcome(stats: TargetStats, outcome: TargetOutcome, count = 1): void {
  stats.enrolled += count;
  if (outcome.status === "active") stats.active += count;
  if (outcome.status === "completed") stats.completed += count;
  if (outcome.status !== "exited" || outcome.exitReason == null) return;
  stats.exited[outcome.exitReason] = (stats.exited[outcome.exitReason] ?? 0) + count;
  if (outcome.exitReason === "paid" && outcome.lastSentDay != null) {
    const day = String(outcome.lastSentDay);
    stats.conversions.total += count;
    stats.conversions.byDay[day] = (stats.conversions.byDay[day] ?? 0) + count;
    if (outcome.lastSentVariant != null) variantStats(stats, outcome.lastSentDay, outcome.lastSentVariant).converted += count;
  }
}

function variantStats(stats: TargetStats, day: number | string, variant: string): VariantStats {
  const byVariant = (stats.conversions.byVariant[String(day)] ??= {});
  return (byVariant[variant] ??= { sent: 0, converted: 0 });
}

/**
 * Counts deliveries as a funnel: every read message was delivered, every delivered one sent.
 * A sent one with a variant also counts under its day and variant.
 */
export function addDeliveries(stats: TargetStats, status: DeliveryStatus | string | null, count = 1, day?: number | null, variant?: string | null): void {
  if (status === "failed") stats.messages.failed += count;
  if (status === "sent" || status === "delivered" || status === "read") {
    stats.messages.sent += count;
    if (variant != null && day != null) variantStats(stats, day, variant).sent += count;
  }
  if (status === "delivered" || status === "read") stats.messages.delivered += count;
  if (status === "read") stats.messages.read += count;
}

export function emptyLiftCounts(): LiftCounts {
  return {
    treated: { targets: 0, converted: 0, convertedByDay: {} },
    holdout: { targets: 0, converted: 0, convertedByDay: {} },
  };
}

/** The fields of `count` targets alike that the lift reads. */
export interface LiftOutcome {
  group?: TargetGroup | string | null | undefined;
  exitReason: ExitReason | string | null | undefined;
  exitDay?: number | null | undefined;
}

/** Counts targets into the lift: those without a group (enrolled without a holdout) are left out. */
export function addLiftOutcome(counts: LiftCounts, outcome: LiftOutcome, count = 1): void {
  if (outcome.group !== "treated" && outcome.group !== "holdout") return;
  const group = counts[outcome.group];
  group.targets += count;
  if (outcome.exitReason !== "paid") return;
  group.converted += count;
  if (outcome.exitDay != null) {
    const day = String(outcome.exitDay);
    group.convertedByDay[day] = (group.convertedByDay[day] ?? 0) + count;
  }
}
