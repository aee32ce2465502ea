import type { SendWindow } from "../model/send-window.js";
import { senderWindow } from "./day-start.js";

/** Spacing between two sends of the same WhatsApp account. */
export interface PacingPolicy {
  delayMs: number;
  /** Upper bound of the random extra delay, so sends do not tick like a metronome. */
  jitterMs: number;
  /**
   * First contacts (a first message to a number the account never wrote to) leave at least a
   * random gap in [firstContactMinMs, firstContactMaxMs] after the sender's previous first
   * contact, on top of the gap above: a person does not write to strangers every few seconds.
   * Absent or 0: first contacts are paced like any send.
   */
  firstContactMinMs?: number;
  firstContactMaxMs?: number;
  /**
   * Each sender starts its day at its own stable offset inside the first `dayStartSpreadMs` of
   * its send window (see `senderWindow`), so an instance's traffic is not a burst at the opening.
   */
  dayStartSpreadMs?: number;
}

/** What a send is to the pacing: a first contact, or a message in a conversation already started. */
export type SendKind = "first_contact" | "follow_up";

/** A number in [min, max] (integers), `random` returning a number in [0, 1). */
function uniform(min: number, max: number, random: () => number): number {
  if (max <= min) return min;
  return min + Math.floor(Math.min(Math.max(random(), 0), 0.999_999_999) * (max - min + 1));
}

/** A gap in [delayMs, delayMs + jitterMs]; `random` returns a number in [0, 1). */
export function nextGapMs(policy: PacingPolicy, random: () => number): number {
  return uniform(policy.delayMs, policy.delayMs + policy.jitterMs, random);
}

/** The gap before a first contact since the previous one: uniform in [firstContactMinMs, firstContactMaxMs]. */
export function firstContactGapMs(policy: PacingPolicy, random: () => number): number {
  const min = policy.firstContactMinMs ?? 0;
  return uniform(min, Math.max(min, policy.firstContactMaxMs ?? min), random);
}

/**
 * Hands out send instants per sender: each caller gets the earliest instant at or after
 * `earliest` that keeps the gap after the previous send of the same sender (reserved or
 * actually made, whichever is later) and, for a first contact, the first-contact gap after the
 * sender's previous first contact. Reserving synchronously makes concurrent callers queue
 * instead of bunching up. Per process: one process drives a sender at a time (its lease).
 */
export class SenderPacer {
  private readonly last = new Map<string, number>();
  private readonly lastFirstContact = new Map<string, number>();

  constructor(
    private readonly policy: PacingPolicy,
    private readonly random: () => number,
  ) {}

  reserve(sender: string, earliest: Date, kind: SendKind = "follow_up"): Date {
    const previous = this.last.get(sender);
    let slot = previous === undefined ? earliest.getTime() : Math.max(earliest.getTime(), previous + nextGapMs(this.policy, this.random));
    if (kind === "first_contact") {
      const previousFirst = this.lastFirstContact.get(sender);
      if (previousFirst !== undefined) slot = Math.max(slot, previousFirst + firstContactGapMs(this.policy, this.random));
      this.lastFirstContact.set(sender, slot);
    }
    this.last.set(sender, slot);
    return new Date(slot);
  }

  /** Records when a send really happened (it may be later than its slot). */
  sent(sender: string, at: Date, kind: SendKind = "follow_up"): void {
    this.last.set(sender, Math.max(this.last.get(sender) ?? 0, at.getTime()));
    if (kind === "first_contact") this.lastFirstContact.set(sender, Math.max(this.lastFirstContact.get(sender) ?? 0, at.getTime()));
  }

  /** The part of `window` in which this sender sends: its day starts at its own offset (see `senderWindow`). */
  windowOf(sender: string, window: SendWindow): SendWindow {
    return senderWindow(window, sender, this.policy.dayStartSpreadMs ?? 0);
  }

  forget(sender: string): void {
    this.last.delete(sender);
    this.lastFirstContact.delete(sender);
  }
}
