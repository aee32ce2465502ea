import type { Delivery, ExitReason, TargetClaim, TargetContact, TargetStatus } from "../../model/target.js";

/** Conditions of {@link TargetRepository.updateIf}; all given ones must hold. */
export interface TargetCondition {
  status?: TargetStatus;
  currentDay?: number;
  revision?: number;
  /** `nextMessageDue <= dueBy`. */
  dueBy?: Date;
  /** The claim is held by this owner (and at this stage, if given). */
  claimedBy?: { owner: string; stage?: TargetClaim["stage"] };
  /**
   * No live claim at this instant: `claim` is null, or it expired while still at stage
   * `claimed`. An expired `sending` claim never frees the target: that day may have left.
   */
  unclaimedAt?: Date;
}

/** Fields a conditional update sets. `revision` is incremented by the adapter itself. */
export interface TargetChanges {
  status?: TargetStatus;
  currentDay?: number;
  nextMessageDue?: Date | null;
  failedAttempts?: number;
  lastSentDay?: number | null;
  lastSentVariant?: string | null;
  repliedAt?: Date | null;
  exitedLoopAt?: Date | null;
  exitReason?: ExitReason | null;
  exitDay?: number | null;
  claim?: TargetClaim | null;
  contact?: TargetContact;
  /** Replaces the whole array (receipts use it with a `revision` condition). */
  messagesDelivered?: Delivery[];
  /** Appends one delivery. Not to be combined with `messagesDelivered`. */
  pushDelivery?: Delivery;
  updatedAt: Date;
}
