import { minutesOfDay, type SendWindow } from "../model/send-window.js";
import { unitHash } from "./stable-hash.js";

const MINUTES_PER_DAY = 24 * 60;


/** Length of a send window in minutes (equal bounds: the whole day). */
export function windowMinutes(window: SendWindow): number {
  const start = minutesOfDay(window.start);
  const end = minutesOfDay(window.end);
  if (start === end) return MINUTES_PER_DAY;
  return start < end ? end - start : MINUTES_PER_DAY - start + end;
}

/**
 * The sender's own day-start offset, in whole minutes from its window's opening: a pure function
 * of its id, so every instance, retry and restart agrees, spread uniformly over
 * `[0, spreadMs)` — but never more than half the window, so a short window keeps most of its day.
 */
export function dayStartOffsetMinutes(referrerUserId: string, spreadMs: number, window: SendWindow): number {
  const spread = Math.min(Math.floor(spreadMs / 60_000), Math.floor(windowMinutes(window) / 2));
  if (spread <= 0) return 0;
  return Math.floor(unitHash(referrerUserId) * spread);
}

function hhmm(minutes: number): string {
  const m = ((minutes % MINUTES_PER_DAY) + MINUTES_PER_DAY) % MINUTES_PER_DAY;
  return `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;
}

/**
 * The part of the referrer's send window in which their sender works: the same end, a start
 * moved by the sender's own offset (`dayStartOffsetMinutes`). Everything dispatch decides from
 * the window (defer until it opens, the next day's start after a spent cap) reads this one, so
 * targets due before the sender's start simply wait for it. A window open all day starts at local
 * midnight, moved the same way.
 */
export function senderWindow(window: SendWindow, referrerUserId: string, spreadMs: number): SendWindow {
  const offset = dayStartOffsetMinutes(referrerUserId, spreadMs, window);
  if (offset === 0) return window;
  const start = minutesOfDay(window.start);
  return { start: hhmm(start + offset), end: window.start === window.end ? window.start : window.end };
}
