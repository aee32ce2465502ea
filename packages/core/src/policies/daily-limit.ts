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
