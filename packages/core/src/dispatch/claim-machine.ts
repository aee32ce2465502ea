import type { EngineContext } from "../engine/context.js";
import type { Delivery, Target, TargetClaim, TargetContact } from "../model/target.js";
import type { CounterSlot, CounterTally, TargetChanges, TargetCondition } from "../ports/storage.js";
import type { DayPlan } from "./day-plan.js";
import { advanceChanges, exitChanges } from "../use-cases/target-transitions.js";

/*
 * The claim state machine of one due day (see docs/dispatch-protocol.md):
 *
 *   unclaimed ─claim (+ reservation)─▶ claimed ─markSending─▶ sending ─recordSent / recordFailed / abandon─▶ unclaimed
 *                         │                      │
 *                         └─release / skipDay /  └─(expired) recoverInterrupted─▶ day failed, moved on
 *                           exitInvalidNumber /
 *                           recordFailed
 *
 * This file is the only builder of claim conditions. Each transition is ONE atomic conditional
 * write (`targets.updateIf`; `updateIfCounting` for a record that also counts the message in its
 * sender's health); it either applies (`ok`) or changes nothing and says why it was
 * lost, with a failure code from `LostWhy` (`explain`). Asking why costs one read, so it is asked only where
 * the answer changes what is written next.
 */

/** Why a transition did not apply: the first of its preconditions that no longer holds. */
export type LostWhy =
  /** The target is gone (erased). */
  | "missing"
  /** It left the loop (paid, STOP, reply, ...) or completed. */
  | "not_active"
  /** Its day is no longer the one this claim is for (recorded by another process). */
  | "day_moved"
  /** Not due yet (another process deferred or advanced it). */
  | "not_due"
  /** Someone else's live claim holds it. */
  | "claimed_elsewhere"
  /** This process's claim is no longer there at the expected stage (expired and taken, recovered, cleared). */
  | "claim_lost"
  /** Written since it was read. */
  | "revision_moved";

export const LOST_WHY: readonly LostWhy[] = ["missing", "not_active", "day_moved", "not_due", "claimed_elsewhere", "claim_lost", "revision_moved"];

/** The outcome of one transition. */
export type Transition = { ok: true; target: Target } | { ok: false; explain: () => Promise<Lost> };

/** The claim's outcome: a transition, or (claimed with a reservation) a slot found at its cap: nothing claimed, nothing taken. */
export type ClaimOutcome = Transition | { ok: false; full: number };

/** What a claim takes with it: the send's counter slots (see `reservation.ts`). */
export interface ClaimReservation {
  referrerUserId: string;
  slots: readonly CounterSlot[];
}

/** Why a transition was lost, and the target as read to tell (null: missing). */
export interface Lost {
  why: LostWhy;
  current: Target | null;
}

export type TransitionName =
  | "claim"
  | "postpone"
  | "release"
  | "skipDay"
  | "exitInvalidNumber"
  | "markSending"
  | "recordSent"
  | "recordSentAfterExit"
  | "recordFailed"
  | "recordFailedAfterExit"
  | "abandon"
  | "recoverInterrupted";

/**
 * Which precondition of `condition` the target, as read now, breaks (in the order they are
 * listed on `TargetCondition`); null when they all hold (a write that lost a race and then saw
 * the state change back). Pure: the diagnosis of a lost transition.
 */
export function diagnose(condition: TargetCondition, target: Target | null, at: Date): LostWhy | null {
  if (!target) return "missing";
  if (condition.status !== undefined && target.status !== condition.status) return "not_active";
  if (condition.currentDay !== undefined && target.currentDay !== condition.currentDay) return "day_moved";
  if (condition.revision !== undefined && target.revision !== condition.revision) return "revision_moved";
  if (condition.dueBy !== undefined && (target.nextMessageDue === null || target.nextMessageDue > condition.dueBy)) return "not_due";
  if (condition.claimedBy !== undefined) {
    const claim = target.claim;
    if (!claim || claim.owner !== condition.claimedBy.owner || (condition.claimedBy.stage !== undefined && claim.stage !== condition.claimedBy.stage)) return "claim_lost";
  }
  if (condition.unclaimedAt !== undefined) {
    const claim = target.claim;
    const free = claim === null || (claim.stage === "claimed" && claim.expiresAt <= condition.unclaimedAt);
    if (!free) return "claimed_elsewhere";
  }
  return null;
}

/** The transitions of one dispatch run (`owner`): every claim condition is built here. */
export class ClaimMachine {
  constructor(
    private readonly ctx: EngineContext,
    readonly owner: string,
  ) {}

  /**
   * unclaimed → claimed: still active, on this day, due, and no live claim. With a reservation,
   * its slots are taken in the same call (`targets.claimReserving`): claimed with every slot, or
   * neither, `full` naming a slot found at its cap.
   */
  async claim(target: Target, now: Date, contact: TargetContact, reservation?: ClaimReservation): Promise<ClaimOutcome> {
    const claim: TargetClaim = { owner: this.owner, day: target.currentDay, stage: "claimed", at: now, expiresAt: new Date(now.getTime() + this.ctx.options.claimTtlMs) };
    const condition: TargetCondition = { status: "active", currentDay: target.currentDay, dueBy: now, unclaimedAt: now };
    const changes: TargetChanges = { claim, contact, updatedAt: now };
    if (!reservation || reservation.slots.length === 0) return this.write(target.id, condition, changes);
    const answer = await this.ctx.storage.targets.claimReserving(target.id, condition, changes, reservation);
    if (answer.claimed) return { ok: true, target: answer.claimed };
    if (answer.full !== null) return { ok: false, full: answer.full };
    return this.lost(target.id, condition);
  }

  /**
   * unclaimed → unclaimed, due at `until`: a slot of the target's own (its first-contact budget)
   * was spent when it came to be claimed. Nothing is held, so nothing is owed: if it is lost or
   * fails, the target is only met again, and refused again, by a later run.
   */
  postpone(target: Target, now: Date, until: Date): Promise<Transition> {
    return this.write(target.id, { status: "active", currentDay: target.currentDay, dueBy: now, unclaimedAt: now }, { nextMessageDue: until, updatedAt: now });
  }

  /** claimed → unclaimed, nothing sent (a cap spent, the window closed, the sender unavailable). */
  release(targetId: string, changes: { nextMessageDue?: Date } = {}): Promise<Transition> {
    return this.write(targetId, this.mine("claimed", true), { ...changes, claim: null, updatedAt: this.ctx.clock.now() });
  }

  /** claimed → next day (or completed): a day without an active message; the next day keeps its own slot. */
  skipDay(target: Target, plan: DayPlan, now: Date): Promise<Transition> {
    const slot = new Date(Math.max(now.getTime(), target.nextMessageDue?.getTime() ?? now.getTime()));
    const changes =
      target.currentDay > plan.totalDays
        ? { status: "completed" as const, exitReason: "completed_7_days" as const, exitedLoopAt: now, nextMessageDue: null, claim: null }
        : advanceChanges(target, slot, plan.totalDays, now, this.ctx.options.dayIntervalMs);
    return this.write(target.id, this.mine("claimed", true), { ...changes, updatedAt: now });
  }

  /** claimed → exited `invalid_number`: the number check said the number has no WhatsApp. */
  exitInvalidNumber(targetId: string): Promise<Transition> {
    return this.write(targetId, this.mine("claimed", true), { ...exitChanges("invalid_number", this.ctx.clock.now()), claim: null });
  }

  /**
   * claimed → sending: the atomic re-check right before the transport call (still active, same
   * day, still this claim). From here on an exit can no longer slip in before the send.
   */
  markSending(target: Target, at: Date): Promise<Transition> {
    const claim = target.claim!;
    return this.write(
      target.id,
      { status: "active", currentDay: claim.day, claimedBy: { owner: this.owner, stage: "claimed" } },
      { claim: { ...claim, stage: "sending", at, expiresAt: new Date(at.getTime() + this.ctx.options.claimTtlMs) }, updatedAt: at },
    );
  }

  /**
   * sending → next day (or completed), the delivery recorded, the claim cleared. With `tally`, the
   * same call counts the message in that counter when the transition applies
   * (`targets.updateIfCounting`): the sender's health counts what left.
   */
  recordSent(targetId: string, day: number, advance: TargetChanges, delivery: Delivery, tally: CounterTally | null = null): Promise<Transition> {
    return this.write(targetId, { status: "active", currentDay: day, claimedBy: { owner: this.owner, stage: "sending" } }, { ...advance, pushDelivery: delivery }, tally);
  }

  /**
   * sending → history only: the target exited while the message was leaving. A day sent no later
   * than the exit counts as the last one sent before it (a conversion's day). `tally` as for `recordSent`.
   */
  recordSentAfterExit(targetId: string, delivery: Delivery, advance: TargetChanges, sentBeforeExit: boolean, tally: CounterTally | null = null): Promise<Transition> {
    return this.write(
      targetId,
      this.mine("sending"),
      {
        pushDelivery: delivery,
        claim: null,
        ...(sentBeforeExit ? { lastSentDay: advance.lastSentDay, lastSentVariant: advance.lastSentVariant } : {}),
        updatedAt: advance.updatedAt,
      },
      tally,
    );
  }

  /** claimed or sending → retry later (backoff) or exited `send_failed`: an attempt that failed. */
  recordFailed(targetId: string, stage: TargetClaim["stage"], changes: TargetChanges): Promise<Transition> {
    return this.write(targetId, this.mine(stage, true), changes);
  }

  /** claimed or sending → history only: the attempt failed after the target exited. */
  recordFailedAfterExit(targetId: string, stage: TargetClaim["stage"], delivery: Delivery, now: Date): Promise<Transition> {
    return this.write(targetId, this.mine(stage), { pushDelivery: delivery, claim: null, updatedAt: now });
  }

  /** sending → unclaimed, whatever the status now: nothing left (transport unavailable, restricted, or a mark undone). */
  abandon(targetId: string): Promise<Transition> {
    return this.write(targetId, this.mine("sending"), { claim: null, updatedAt: this.ctx.clock.now() });
  }

  /**
   * An expired `sending` claim (any owner) → day recorded failed, target moved on: the message may
   * have left, so it is never resent. Conditioned on the revision read, so an exit landing in
   * between wins and the next run sees it.
   */
  recoverInterrupted(target: Target, changes: TargetChanges): Promise<Transition> {
    const claim = target.claim!;
    return this.write(target.id, { claimedBy: { owner: claim.owner, stage: "sending" }, revision: target.revision }, changes);
  }

  private mine(stage: TargetClaim["stage"], active = false): TargetCondition {
    return { ...(active ? { status: "active" as const } : {}), claimedBy: { owner: this.owner, stage } };
  }

  private async write(targetId: string, condition: TargetCondition, changes: TargetChanges, tally: CounterTally | null = null): Promise<Transition> {
    const targets = this.ctx.storage.targets;
    const target = tally ? await targets.updateIfCounting(targetId, condition, changes, tally) : await targets.updateIf(targetId, condition, changes);
    if (target) return { ok: true, target };
    return this.lost(targetId, condition);
  }

  private lost(targetId: string, condition: TargetCondition): Transition {
    const at = this.ctx.clock.now();
    return {
      ok: false,
      explain: async () => {
        const current = await this.ctx.storage.targets.get(targetId);
        return { why: diagnose(condition, current, at) ?? "revision_moved", current };
      },
    };
  }
}
