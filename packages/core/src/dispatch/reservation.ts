import type { EngineContext } from "../engine/context.js";
import type { SettleStep } from "../engine/unsettled-writes.js";
import { dailyCounterKey, effectiveDailyCap, firstContactCounterKey } from "../policies/daily-limit.js";
import type { ReferrerConfig } from "../model/referrer-config.js";
import { owe, settle, type Knowledge } from "./settlement.js";

/** One capped counter slot a send takes before it leaves. */
export interface ReservationSlot {
  kind: "first_contact" | "daily";
  /** The counter's key (`day` of the counters port). */
  key: string;
  cap: number;
}

/**
 * The slots one send holds: the sender's daily cap, and the first-contact budget when the target
 * was never written to. Taken together before the number check and the send; given back (each
 * slot once) when nothing left.
 */
export class Reservation {
  constructor(
    private readonly ctx: EngineContext,
    readonly referrerUserId: string,
    readonly slots: readonly ReservationSlot[],
  ) {}

  /** The give-back, one step per slot: each is dropped from what is owed as soon as it succeeds, so none is repeated. */
  giveBack(): SettleStep[] {
    return this.slots.map((slot) => () => this.ctx.storage.counters.decrement(this.referrerUserId, slot.key));
  }
}

/** Result of `reserve`: every slot taken, or the kind of the first one found spent (nothing held then). */
export type ReserveOutcome = { kind: "reserved"; reservation: Reservation } | { kind: "full"; slot: ReservationSlot["kind"] };

/** The slots a send to this target needs now: first contact (when never written to) first, then the daily cap. */
export function slotsFor(ctx: EngineContext, config: ReferrerConfig, firstContact: boolean, now: Date): ReservationSlot[] {
  const daily: ReservationSlot = { kind: "daily", key: dailyCounterKey(now, config.timezone), cap: effectiveDailyCap(ctx.options, config.whatsapp.linkedAt, now, config.timezone) };
  return firstContact ? [{ kind: "first_contact", key: firstContactCounterKey(now, config.timezone), cap: ctx.options.maxFirstContactsPerDay }, daily] : [daily];
}

/**
 * Takes every slot, atomically per counter. A slot found spent gives back the ones taken before
 * it and reports which kind was spent; a storage error after a slot was taken owes its give-back.
 */
export async function reserve(ctx: EngineContext, referrerUserId: string, slots: readonly ReservationSlot[], knowledge: Knowledge): Promise<ReserveOutcome> {
  const taken: ReservationSlot[] = [];
  let full: ReservationSlot["kind"] | null = null;
  try {
    for (const slot of slots) {
      if ((await ctx.storage.counters.tryIncrement(referrerUserId, slot.key, slot.cap)) === null) {
        full = slot.kind;
        break;
      }
      taken.push(slot);
    }
  } catch (error) {
    if (taken.length > 0) owe(ctx, knowledge, new Reservation(ctx, referrerUserId, taken).giveBack());
    throw error;
  }
  const reservation = new Reservation(ctx, referrerUserId, taken);
  if (full === null) return { kind: "reserved", reservation };
  await settle(ctx, knowledge, reservation.giveBack());
  return { kind: "full", slot: full };
}
