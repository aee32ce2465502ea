/**
 * How WhatsApp treats an account, judged from its own receipts: an account whose messages stop
 * being delivered, or come back as errors, is being restricted or reported, and sending on makes
 * it worse. Pure: the counts come from per-sender hourly counters (see `healthCounterKey`).
 */

export type HealthState = "good" | "degraded" | "at_risk";

/** The HTTP `Status.health`. */
export interface SenderHealth {
  state: HealthState;
  /** Why, for humans; null when good. */
  reason: string | null;
  /** Share of the judged messages (sent at least `deliveredAfterMs` ago) that were delivered; null without any. */
  deliveredShare: number | null;
}

/** Thresholds (options `health*`, documented in docs/account-safety.md). */
export interface HealthPolicy {
  /**
   * Judge each sender from its receipts (default true). Off: every sender is `good`, nothing is
   * counted (for a transport without delivery receipts; the sandbox's recipients acknowledge
   * nothing unless told to).
   */
  senderHealth: boolean;
  /** Messages sent within this long are looked at (default 48 h). */
  healthLookbackMs: number;
  /** A message counts in the delivered share once sent at least this long ago (default 6 h): a phone may be off for a while. */
  healthDeliveredAfterMs: number;
  /** Fewer judged messages than this say nothing about the share, nor fewer sends about the errors (default 10). */
  healthMinSample: number;
  /** Delivered share below this: `degraded` (default 0.8). */
  healthDegradedBelow: number;
  /** Delivered share below this: `at_risk` (default 0.5). */
  healthAtRiskBelow: number;
  /** Share of sends answered by an error receipt at or above this: `degraded` (default 0.1). */
  healthDegradedErrorShare: number;
  /** ... at or above this: `at_risk` (default 0.25). */
  healthAtRiskErrorShare: number;
  /** The daily cap of a `degraded` sender is multiplied by this (default 0.5). */
  healthDegradedCapFactor: number;
  /** An `at_risk` sender held this long is resumed anyway, judged afresh from then on (default 24 h). */
  healthCoolDownMs: number;
}

export const DEFAULT_HEALTH_POLICY: HealthPolicy = {
  senderHealth: true,
  healthLookbackMs: 48 * 3_600_000,
  healthDeliveredAfterMs: 6 * 3_600_000,
  healthMinSample: 10,
  healthDegradedBelow: 0.8,
  healthAtRiskBelow: 0.5,
  healthDegradedErrorShare: 0.1,
  healthAtRiskErrorShare: 0.25,
  healthDegradedCapFactor: 0.5,
  healthCoolDownMs: 24 * 3_600_000,
};

/** The series of a sender's hourly health counters. */
export type HealthSeries = "sent" | "delivered" | "failed" | "refused";
const SERIES_CODE: Record<HealthSeries, string> = { sent: "s", delivered: "d", failed: "f", refused: "r" };
const CODE_SERIES = new Map(Object.entries(SERIES_CODE).map(([series, code]) => [code, series as HealthSeries]));

/** Owner of a sender's health counters (the counters port; retention purges `health:` owners). */
export const HEALTH_COUNTER_PREFIX = "health:";
export function healthCounterOwner(referrerUserId: string): string {
  return `${HEALTH_COUNTER_PREFIX}${referrerUserId}`;
}

const HOUR_MS = 3_600_000;
/** `2026-01-05T08`: the UTC hour of an instant; keys sort in time order. */
export function hourKey(at: Date | number): string {
  return new Date(typeof at === "number" ? at : at.getTime()).toISOString().slice(0, 13);
}

/** The key of one series' counter for the hour the message was sent in. */
export function healthCounterKey(sentAt: Date, series: HealthSeries): string {
  return `${hourKey(sentAt)}:${SERIES_CODE[series]}`;
}

/** One hourly counter as read back. */
export interface HealthCounter {
  key: string;
  count: number;
}

/** The range of keys to read for a judgement at `now`: messages sent since `from` (and within the lookback). */
export function healthKeyRange(policy: HealthPolicy, now: Date, from: Date | null): { from: string; to: string } {
  // `from`'s own hour is in: a sender resumed after a cool-down sent nothing in that hour before it.
  const start = Math.max(now.getTime() - policy.healthLookbackMs, from?.getTime() ?? 0);
  // `;` sorts after `:`: the current hour's counters are in.
  return { from: hourKey(start), to: `${hourKey(now)};` };
}

/** Sums of the counters read: all sends of the range, and the judged ones (old enough for the delivered share). */
export interface HealthCounts {
  sent: number;
  failed: number;
  refused: number;
  judgedSent: number;
  judgedDelivered: number;
}

export function sumHealthCounters(policy: HealthPolicy, now: Date, counters: readonly HealthCounter[]): HealthCounts {
  // An hour is judged once all of it is at least `deliveredAfterMs` old.
  const judgedBefore = hourKey(now.getTime() - policy.healthDeliveredAfterMs);
  const counts: HealthCounts = { sent: 0, failed: 0, refused: 0, judgedSent: 0, judgedDelivered: 0 };
  for (const { key, count } of counters) {
    const series = CODE_SERIES.get(key.slice(14));
    const judged = key.slice(0, 13) < judgedBefore;
    if (series === "sent") {
      counts.sent += count;
      if (judged) counts.judgedSent += count;
    } else if (series === "delivered") {
      if (judged) counts.judgedDelivered += count;
    } else if (series === "failed") counts.failed += count;
    else if (series === "refused") counts.refused += count;
  }
  return counts;
}

const percent = (share: number) => `${Math.round(share * 100)} %`;

/** The state the counts say, worst signal first. */
export function judgeHealth(policy: HealthPolicy, counts: HealthCounts): SenderHealth {
  const judged = counts.judgedSent > 0;
  // Receipts for media or early receipts may outnumber the texts of an hour by a little.
  const deliveredShare = judged ? Math.min(1, counts.judgedDelivered / counts.judgedSent) : null;
  const errorShare = counts.sent >= policy.healthMinSample ? counts.failed / counts.sent : 0;
  const shareJudged = deliveredShare !== null && counts.judgedSent >= policy.healthMinSample;
  const hours = Math.round(policy.healthDeliveredAfterMs / HOUR_MS);
  const undelivered = (share: number) => `only ${percent(share)} of the last ${counts.judgedSent} messages were delivered after ${hours} h`;
  const errors = `${percent(errorShare)} of the last ${counts.sent} messages came back as errors`;
  if (counts.refused > 0) return { state: "at_risk", reason: `WhatsApp refused ${counts.refused} message(s) because the account is restricted (error 463)`, deliveredShare };
  if (shareJudged && deliveredShare < policy.healthAtRiskBelow) return { state: "at_risk", reason: undelivered(deliveredShare), deliveredShare };
  if (errorShare >= policy.healthAtRiskErrorShare) return { state: "at_risk", reason: errors, deliveredShare };
  if (shareJudged && deliveredShare < policy.healthDegradedBelow) return { state: "degraded", reason: undelivered(deliveredShare), deliveredShare };
  if (errorShare >= policy.healthDegradedErrorShare) return { state: "degraded", reason: errors, deliveredShare };
  return { state: "good", reason: null, deliveredShare };
}

/** A `degraded` sender's cap for the day: reduced, never below 1. */
export function healthAdjustedCap(policy: HealthPolicy, cap: number, state: HealthState): number {
  return state === "degraded" ? Math.max(1, Math.floor(cap * policy.healthDegradedCapFactor)) : cap;
}
