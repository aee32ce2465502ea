import { minutesOfDay, type SendWindow } from "../model/send-window.js";
import { addLocalDays, instantAtLocal, localDateTime } from "./time-zone.js";

/**
 * The first instant at or after `now` inside the referrer's send window, in their zone. A window
 * whose start is after its end crosses midnight (22:00–06:00); equal bounds mean "always open".
 */
export function nextAllowedInstant(now: Date, timeZone: string, window: SendWindow): Date {
  const start = minutesOfDay(window.start);
  const end = minutesOfDay(window.end);
  if (start === end) return now;

  const local = localDateTime(timeZone, now);
  const minute = local.hour * 60 + local.minute + local.second / 60;
  const open = start < end ? minute >= start && minute < end : minute >= start || minute < end;
  if (open) return now;

  const today = { year: local.year, month: local.month, day: local.day };
  const startsLaterToday = minute < start;
  return instantAtLocal(timeZone, startsLaterToday ? today : addLocalDays(today, 1), start);
}

export function isInsideWindow(now: Date, timeZone: string, window: SendWindow): boolean {
  return nextAllowedInstant(now, timeZone, window).getTime() === now.getTime();
}
