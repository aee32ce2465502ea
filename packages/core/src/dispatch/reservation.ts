import type { EngineContext } from "../engine/context.js";
import type { SettleStep } from "../engine/unsettled-writes.js";
import { dailyCounterKey, effectiveDailyCap, firstContactCounterKey } from "../policies/daily-limit.js";
import type { ReferrerConfig } from "../model/referrer-config.js";
import { newChatCounterKey, newChatQuotaOf } from "../policies/new-chat-quota.js";
import { healthAdjustedCap, type HealthState } from "../policies/sender-health.js";

/** One capped counter slot a send takes before it leaves. */
export interface ReservationSlot {
  kind: "first_contact" | "new_chat" | "daily";
  /** The counter's key (`day` of the counters port). */
  key: string;
  cap: number;
}

/**
 * The slots one send holds: the sender's daily cap, and the first-contact budget when the target
 * was never written to. Taken with the claim, in the same storage call (`ClaimMachine.claim`:
 * claimed with every slot, or neither), before the number check and the send; given back (each
 * slot once) when nothing left. A storage error on that call leaves it unknown whether the slots
 * were taken: they are not given back (the counts err on the safe side, one send fewer that day
 * at most), and the claim, if it applied, expires.
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

/** The slots a send to this target needs now: first contact (when never written to) first, then the daily cap. */
export function slotsFor(ctx: EngineContext, config: ReferrerConfig, firstContact: boolean, now: Date, health: HealthState = "good"): ReservationSlot[] {
  // Where WhatsApp reports the account's new-chat quota, a first contact also takes one of what remains of it.
  const quota = firstContact ? newChatQuotaOf(ctx, config.referrerUserId, now) : null;
  const newChat: ReservationSlot[] = quota ? [{ kind: "new_chat", key: newChatCounterKey(quota), cap: quota.remaining }] : [];
  // A `degraded` sender (its receipts say WhatsApp is wary of it) gets a reduced cap for the day.
  const cap = healthAdjustedCap(ctx.options, effectiveDailyCap(ctx.options, config.whatsapp.linkedAt, now, config.timezone), health);
  const daily: ReservationSlot = { kind: "daily", key: dailyCounterKey(now, config.timezone), cap };
  return firstContact ? [{ kind: "first_contact", key: firstContactCounterKey(now, config.timezone), cap: ctx.options.maxFirstContactsPerDay }, ...newChat, daily] : [daily];
}
