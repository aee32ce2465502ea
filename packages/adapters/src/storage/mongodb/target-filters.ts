import type { TargetChanges, TargetCondition } from "@relance/core";
import type { Filter, UpdateFilter } from "mongodb";
import type { TargetDocument } from "./documents.js";
import { toClaimDocument, toContactDocument, toDeliveryDocument } from "./target-mapping.js";

/*
 * Everything an atomic target transition checks goes into the filter of one findOneAndUpdate, so
 * the server evaluates it against the very document it writes. Only plain field matches and a
 * top-level `$or`: no `$elemMatch`, `$expr` or positional `$` (FerretDB runs the suite too).
 */

/** No live claim at `at`: none, or one still at stage `claimed` whose expiry has passed. */
export function unclaimedAt(at: Date): Filter<TargetDocument>[] {
  return [{ claim: null }, { "claim.stage": "claimed", "claim.expiresAt": { $lte: at } }];
}

export function conditionFilter(id: string, condition: TargetCondition): Filter<TargetDocument> {
  return { _id: id, ...conditionFields(condition) };
}

/**
 * The condition over every target of a referrer, for the batched writes: an `updateMany` checks
 * it against each document as it writes it, so each target is a compare-and-set of its own.
 */
export function referrerConditionFilter(referrerUserId: string, condition: TargetCondition): Filter<TargetDocument> {
  return { referrerUserId, ...conditionFields(condition) };
}

function conditionFields(condition: TargetCondition): Filter<TargetDocument> {
  const filter: Filter<TargetDocument> = {};
  if (condition.status !== undefined) filter.status = condition.status;
  if (condition.currentDay !== undefined) filter.currentDay = condition.currentDay;
  if (condition.revision !== undefined) filter.revision = condition.revision;
  // `$lte` on a date never matches null: a target with nothing due is never "due by" anything.
  if (condition.dueBy !== undefined) filter.nextMessageDue = { $lte: condition.dueBy };
  if (condition.claimedBy !== undefined) {
    filter["claim.owner"] = condition.claimedBy.owner;
    if (condition.claimedBy.stage !== undefined) filter["claim.stage"] = condition.claimedBy.stage;
  }
  if (condition.unclaimedAt !== undefined) filter.$or = unclaimedAt(condition.unclaimedAt);
  return filter;
}

export function changesUpdate(changes: TargetChanges): UpdateFilter<TargetDocument> {
  const set: Partial<TargetDocument> = { updatedAt: changes.updatedAt };
  if (changes.status !== undefined) set.status = changes.status;
  if (changes.currentDay !== undefined) set.currentDay = changes.currentDay;
  if (changes.nextMessageDue !== undefined) set.nextMessageDue = changes.nextMessageDue;
  if (changes.failedAttempts !== undefined) set.failedAttempts = changes.failedAttempts;
  if (changes.lastSentDay !== undefined) set.lastSentDay = changes.lastSentDay;
  if (changes.lastSentVariant !== undefined) set.lastSentVariant = changes.lastSentVariant;
  if (changes.repliedAt !== undefined) set.repliedAt = changes.repliedAt;
  if (changes.exitedLoopAt !== undefined) set.exitedLoopAt = changes.exitedLoopAt;
  if (changes.exitReason !== undefined) set.exitReason = changes.exitReason;
  if (changes.exitDay !== undefined) set.exitDay = changes.exitDay;
  if (changes.claim !== undefined) set.claim = changes.claim === null ? null : toClaimDocument(changes.claim);
  if (changes.contact !== undefined) set.contact = toContactDocument(changes.contact);
  if (changes.messagesDelivered !== undefined) set.messagesDelivered = changes.messagesDelivered.map(toDeliveryDocument);

  const update: UpdateFilter<TargetDocument> = { $set: set, $inc: { revision: 1 } };
  if (changes.pushDelivery !== undefined) update.$push = { messagesDelivered: toDeliveryDocument(changes.pushDelivery) };
  return update;
}
