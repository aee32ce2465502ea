import type { ReferrerConfig } from "../model/referrer-config.js";
import type { Referral, ReferrerProfile } from "../ports/directory.js";
import type { SenderHealth } from "../policies/sender-health.js";
import type { LinkState, SenderRestriction } from "../ports/transport.js";
import type { PresenceBatch } from "../use-cases/send-turn.js";
import type { ClaimMachine } from "./claim-machine.js";
import type { DayPlan } from "./day-plan.js";

/** What a dispatch run did. */
export interface DispatchCounts {
  sent: number;
  failed: number;
  deferred: number;
  held: number;
  exited: number;
}

export interface DispatchResult extends DispatchCounts {
  /** Set when the run stopped early because the storage failed: the counts are partial. */
  aborted?: true;
  /** The first storage error, when aborted. */
  abortReason?: string;
}

export const noCounts = (): DispatchCounts => ({ sent: 0, failed: 0, deferred: 0, held: 0, exited: 0 });

/**
 * Adds one sender's counts to the run's. Each sender counts into its own object and the run merges
 * it when the sender is done, synchronously: no count is ever added across an await.
 */
export function mergeCounts(into: DispatchCounts, from: DispatchCounts): void {
  into.sent += from.sent;
  into.failed += from.failed;
  into.deferred += from.deferred;
  into.held += from.held;
  into.exited += from.exited;
}

/**
 * Where one sender's share of a run stands. Only `sending` goes on to the next target:
 * - `deferred`: the window closed or the daily cap is spent; every due target waits until `until`;
 * - `held`: the session cannot send (`unavailable`) or WhatsApp restricts the account (`restricted`);
 * - `stopped`: the referrer paused or disabled it, or another process took the sender (`lease_lost`).
 */
export type SenderRunState =
  | { kind: "sending" }
  | { kind: "deferred"; until: Date }
  | { kind: "held"; why: "unavailable"; link: LinkState }
  | { kind: "held"; why: "restricted"; restriction: SenderRestriction }
  | { kind: "stopped"; why: "paused" | "lease_lost" };

/** One referrer's share of a dispatch run. */
export interface SenderRun {
  config: ReferrerConfig;
  profile: ReferrerProfile | null;
  /** The referrals of the targets of the current page, read in one batch per page. */
  referrals: Map<string, Referral>;
  machine: ClaimMachine;
  plan: DayPlan;
  /** The sender's health as judged when its run started: `degraded` reduces the day's cap. */
  health: SenderHealth;
  state: SenderRunState;
  /** This sender's counts, merged into the run's when it is done. */
  counts: DispatchCounts;
  /** When `config` was read (clock ms). */
  configReadAt: number;
  batch: PresenceBatch;
  /** When this process last took or renewed the sender's lease (clock ms). */
  leaseRenewedAt: number;
  /**
   * The sender's daily count as this run knows it (read once, plus its own sends; the lease makes
   * them the only ones): the status published after each send, without a read per message.
   */
  sentToday: { day: string; count: number } | null;
  /**
   * The new-chat counter of the quota the transport reported (`key`) as this run knows it: read
   * once, plus its own first contacts. Null until a status is published under a quota.
   */
  newChatsSent: { key: string; count: number } | null;
}
