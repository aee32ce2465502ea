import type { ReferrerConfig } from "../model/referrer-config.js";
import type { Referral, ReferrerProfile } from "../ports/directory.js";
import type { LinkState, SenderRestriction } from "../ports/transport.js";
import type { DayPlan } from "./day-plan.js";
import type { PresenceBatch } from "./send-turn.js";

/**
 * Shared by the senders of a run, which run concurrently: a count is added after its await
 * (`const counted = await …; result.held += counted`), as `result.held += await …` would add to
 * the value read before the await and lose the other senders' counts.
 */
export interface DispatchResult {
  sent: number;
  failed: number;
  deferred: number;
  held: number;
  exited: number;
  /** Set when the run stopped early because the storage failed: the counts are partial. */
  aborted?: true;
  /** The first storage error, when aborted. */
  abortReason?: string;
}

/** One referrer's share of a dispatch run. */
export interface SenderRun {
  config: ReferrerConfig;
  profile: ReferrerProfile | null;
  /** The referrals of the targets of the current page, read in one batch per page. */
  referrals: Map<string, Referral>;
  owner: string;
  plan: DayPlan;
  result: DispatchResult;
  /** Set when the window closed or the daily limit is reached: every due target waits until then. */
  deferUntil: Date | null;
  /** Set when the session stopped being able to send: the rest of the run holds. */
  unavailable: LinkState | null;
  /** Set when WhatsApp refused a send or a check because it restricts the account: the rest holds. */
  restricted: SenderRestriction | null;
  /** Set when the referrer paused, or this process lost the sender: the rest of the run holds. */
  stopped: boolean;
  /** When `config` was read (clock ms). */
  configReadAt: number;
  batch: PresenceBatch;
  /** When this process last took or renewed the sender's lease (clock ms). */
  leaseRenewedAt: number;
  /** Messages this sender got out in this run (a recorded open-ended restriction ends with the first). */
  sent: number;
}
