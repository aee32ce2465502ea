import type { FieldIssue } from "../errors.js";

/** Local wall-clock times `HH:MM` between which a referrer's messages may leave. */
export interface SendWindow {
  start: string;
  end: string;
}

const HH_MM = /^([01]\d|2[0-3]):([0-5]\d)$/;

export function isHhMm(value: unknown): value is string {
  return typeof value === "string" && HH_MM.test(value);
}

/**
 * The send window's rules, the only place they are written: both ends `HH:MM`, and different — an
 * equal pair could mean "never" or "always", so neither is implied (00:00-23:59 is the whole day;
 * start after end spans midnight). Paths are the field names (`start`, `end`).
 */
export function sendWindowIssues(window: { start: unknown; end: unknown }): FieldIssue[] {
  const issues: FieldIssue[] = [];
  if (!isHhMm(window.start)) issues.push({ path: "start", message: "must be HH:MM (00:00-23:59)" });
  if (!isHhMm(window.end)) issues.push({ path: "end", message: "must be HH:MM (00:00-23:59)" });
  else if (window.start === window.end) issues.push({ path: "end", message: "must differ from start (use 00:00-23:59 for the whole day)" });
  return issues;
}

export function minutesOfDay(hhmm: string): number {
  const match = HH_MM.exec(hhmm);
  if (!match) throw new RangeError(`Not an HH:MM time: ${hhmm}`);
  return Number(match[1]) * 60 + Number(match[2]);
}
