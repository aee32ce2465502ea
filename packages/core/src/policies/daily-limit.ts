import type { SendWindow } from "../model/send-window.js";
import { nextAllowedInstant } from "./send-window.js";
import { addLocalDays, instantAtLocal, localDateKey, localDateTime } from "./time-zone.js";

/** Counters are kept per referrer and per *local* calendar day. */
export function dailyCounterKey(now: Date, timeZone: string): string {
  return localDateKey(timeZone, now);
}

/** Local midnight starting the day after `now`'s local day. */
export function startOfNextLocalDay(now: Date, timeZone: string): Date {
  const local = localDateTime(timeZone, now);
  return instantAtLocal(timeZone, addLocalDays(local, 1), 0);
}

/** When a referrer whose daily limit is reached may send again: the next day's first allowed moment. */
export function nextInstantAfterDailyLimit(now: Date, timeZone: string, window: SendWindow): Date {
  return nextAllowedInstant(startOfNextLocalDay(now, timeZone), timeZone, window);
}

/**
 * First-contact messages are counted apart from all sends, under their own key, so the same
 * atomic counters hold the cap across processes; `sumForDay` of the plain key stays "all sends".
 */
export function firstContactCounterKey(now: Date, timeZone: string): string {
  return `first-contact:${localDateKey(timeZone, now)}`;
}

/** 1 on the local day of `since`, 2 the next local day, and so on. */
export function localDayNumber(since: Date, now: Date, timeZone: string): number {
  const dayMs = (key: string) => Date.parse(`${key}T00:00:00Z`);
  return Math.round((dayMs(localDateKey(timeZone, now)) - dayMs(localDateKey(timeZone, since))) / 86_400_000) + 1;
}

export interface DailyCapPolicy {
  maxMessagesPerDay: number;
  /** Caps for local days 1, 2, ... after the account was linked; then `maxMessagesPerDay`. */
  dailyCapRampUp: readonly number[];
}

/**
 * Today's cap for an account: a new link starts low and ramps up, since a fresh account sending
 * at full volume to strangers is what WhatsApp's spam detection looks for.
 */
export function effectiveDailyCap(policy: DailyCapPolicy, linkedAt: Date | null, now: Date, timeZone: string): number {
  if (linkedAt === null) return policy.maxMessagesPerDay;
  const step = policy.dailyCapRampUp[Math.max(localDayNumber(linkedAt, now, timeZone), 1) - 1];
  return step === undefined ? policy.maxMessagesPerDay : Math.min(step, policy.maxMessagesPerDay);
}
