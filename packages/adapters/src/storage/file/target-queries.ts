import type { TargetChanges, TargetCondition, TargetListFilter } from "@relance/core";
import type { Query } from "./collection.js";

/**
 * `nextMessageDue <= at`. nedb's `$lte` alone matches null (it compares null with a Date as
 * `null <= date`), and a target with nothing due is never due.
 */
function dueBy(at: Date): Query {
  return { $lte: at, $ne: null };
}

/** nedb form of "no live claim at `at`" (see `TargetCondition.unclaimedAt`). */
export function unclaimedAt(at: Date): Query[] {
  return [{ claim: null }, { "claim.stage": "claimed", "claim.expiresAt": { $lte: at } }];
}

export function dueQuery(now: Date): Query {
  return { status: "active", nextMessageDue: dueBy(now) };
}

/** The whole compare-and-set condition as one query, so nedb checks and writes in one step. */
export function conditionQuery(id: string, condition: TargetCondition): Query {
  return { _id: id, ...conditionFields(condition) };
}

/**
 * The condition over every target of a referrer, for the batched writes: nedb applies a `multi`
 * update in one executor step, checking each document against the query as it writes it.
 */
export function referrerConditionQuery(referrerUserId: string, condition: TargetCondition): Query {
  return { referrerUserId, ...conditionFields(condition) };
}

function conditionFields(condition: TargetCondition): Query {
  const query: Query = {};
  if (condition.status !== undefined) query.status = condition.status;
  if (condition.currentDay !== undefined) query.currentDay = condition.currentDay;
  if (condition.revision !== undefined) query.revision = condition.revision;
  if (condition.dueBy !== undefined) query.nextMessageDue = dueBy(condition.dueBy);
  if (condition.claimedBy !== undefined) {
    query["claim.owner"] = condition.claimedBy.owner;
    if (condition.claimedBy.stage !== undefined) query["claim.stage"] = condition.claimedBy.stage;
  }
  if (condition.unclaimedAt !== undefined) query.$or = unclaimedAt(condition.unclaimedAt);
  return query;
}

export function changesUpdate(changes: TargetChanges): Query {
  const { pushDelivery, ...fields } = structuredClone(changes);
  const set = Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
  const update: Query = { $set: set, $inc: { revision: 1 } };
  if (pushDelivery !== undefined) update.$push = { messagesDelivered: pushDelivery };
  return update;
}

export function listQuery(filter: TargetListFilter, after: string | null): Query {
  const query: Query = {};
  if (filter.referrerUserId !== undefined) query.referrerUserId = filter.referrerUserId;
  if (filter.status !== undefined) query.status = filter.status;
  if (after !== null) query._id = { $gt: after };
  return query;
}

export function messageIdQuery(messageId: string): Query {
  return { messagesDelivered: { $elemMatch: { $or: [{ messageId }, { mediaMessageIds: messageId }] } } };
}
