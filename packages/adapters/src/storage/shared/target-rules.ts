import { addDeliveries, addTargetOutcome, StorageError, type Target, type TargetChanges, type TargetClaim, type TargetCondition, type TargetStats } from "@relance/core";

/**
 * The target semantics of the port written as plain functions over documents. The memory store
 * runs them directly; the SQLite store reuses the ones that have no query-language counterpart.
 */

/** A claim stops protecting its target at `expiresAt`, unless it reached `sending`. */
export function isUnclaimed(claim: TargetClaim | null, now: Date): boolean {
  return claim === null || (claim.stage === "claimed" && claim.expiresAt.getTime() <= now.getTime());
}

export function isInterrupted(claim: TargetClaim | null, now: Date): boolean {
  return claim !== null && claim.stage === "sending" && claim.expiresAt.getTime() <= now.getTime();
}

export function isDue(target: Target, now: Date): boolean {
  return target.status === "active" && target.nextMessageDue !== null && target.nextMessageDue.getTime() <= now.getTime();
}

export function holds(target: Target, condition: TargetCondition): boolean {
  const { status, currentDay, revision, dueBy, claimedBy, unclaimedAt } = condition;
  if (status !== undefined && target.status !== status) return false;
  if (currentDay !== undefined && target.currentDay !== currentDay) return false;
  if (revision !== undefined && target.revision !== revision) return false;
  if (dueBy !== undefined && (target.nextMessageDue === null || target.nextMessageDue.getTime() > dueBy.getTime())) return false;
  if (claimedBy !== undefined) {
    const claim = target.claim;
    if (claim === null || claim.owner !== claimedBy.owner) return false;
    if (claimedBy.stage !== undefined && claim.stage !== claimedBy.stage) return false;
  }
  if (unclaimedAt !== undefined && !isUnclaimed(target.claim, unclaimedAt)) return false;
  return true;
}

/**
 * The port's rule on a conditional update's changes: `pushDelivery` appends to the array that
 * `messagesDelivered` would replace, so one call gives one or the other. Checked before anything
 * is written or counted, by every adapter alike.
 */
export function checkChanges(adapter: string, operation: string, changes: TargetChanges): void {
  if (changes.pushDelivery !== undefined && changes.messagesDelivered !== undefined) {
    throw new StorageError(`[${adapter}] ${operation}: pushDelivery and messagesDelivered cannot be combined`);
  }
}

/** Returns a new target; `changes` is not kept by reference. */
export function applyChanges(target: Target, changes: TargetChanges): Target {
  const { pushDelivery, ...fields } = structuredClone(changes);
  const next: Target = { ...target };
  for (const [key, value] of Object.entries(fields)) {
    if (value !== undefined) (next as unknown as Record<string, unknown>)[key] = value;
  }
  if (pushDelivery !== undefined) next.messagesDelivered = [...next.messagesDelivered, pushDelivery];
  next.revision = target.revision + 1;
  return next;
}

/** Oldest due first, then by id, as dispatch wants them. */
export function compareDue(a: Target, b: Target): number {
  const byDue = (a.nextMessageDue?.getTime() ?? Infinity) - (b.nextMessageDue?.getTime() ?? Infinity);
  if (byDue !== 0) return byDue;
  return compareIds(a.id, b.id);
}

/** Code-unit order, the order MongoDB and nedb sort ASCII ids in. */
export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function hasMessageId(target: Target, messageId: string): boolean {
  return target.messagesDelivered.some((d) => d.messageId === messageId || (d.mediaMessageIds ?? []).includes(messageId));
}

/** The fields {@link addToStats} reads. */
export type StatsFields = Pick<Target, "status" | "exitReason" | "lastSentDay" | "lastSentVariant" | "messagesDelivered">;

export function addToStats(stats: TargetStats, target: StatsFields): void {
  addTargetOutcome(stats, target);
  for (const delivery of target.messagesDelivered) addDeliveries(stats, delivery.status, 1, delivery.day, delivery.variant);
}

export function encodeCursor(lastId: string): string {
  return Buffer.from(lastId, "utf8").toString("base64url");
}

export function decodeCursor(cursor: string): string {
  return Buffer.from(cursor, "base64url").toString("utf8");
}
