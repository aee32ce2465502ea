import { ValidationError } from "../errors.js";
import type { SendWindow } from "../model/send-window.js";
import { isHhMm } from "../model/send-window.js";
import { isValidTimeZone } from "../policies/time-zone.js";

/** Every tunable of the loop. All have defaults; see `resolveOptions`. */
export interface RelanceOptions {
  defaultLanguage: string;
  defaultTimezone: string;
  defaultSendWindow: SendWindow;
  /** Per referrer and local calendar day (`RELANCE_MAX_MESSAGES_PER_DAY`). */
  maxMessagesPerDay: number;
  /** Minimum gap between two sends of one account (`RELANCE_MESSAGE_DELAY_MS`). */
  messageDelayMs: number;
  /** Random extra gap, 0..jitter. */
  messageJitterMs: number;
  /** How long "typing…" shows before the message, where the transport supports it. */
  typingMs: number;
  /** Senders dispatched in parallel (`RELANCE_MAX_CONCURRENT_SESSIONS`). */
  maxConcurrentSenders: number;
  /** Waits before each retry of a failed day; when exhausted the target exits `send_failed`. */
  retryBackoffMs: number[];
  /** A referral is enrolled once signed up at least this long ago. */
  enrollmentMinAgeMs: number;
  /** Time between two days of the loop. */
  dayIntervalMs: number;
  /** How long a dispatch worker's claim on a target lives (covers one send). */
  claimTtlMs: number;
  /** Due targets read per referrer and page. */
  dispatchPageSize: number;
  /** During a run, how often a referrer's config is re-read (pauses apply within this delay). */
  configRefreshMs: number;
  /** How long `exitUser` waits for a send already leaving another process. */
  exitWaitMs: number;
  enrollmentCron: string;
  dispatchCron: string;
  /** Identifies this process in claims and leases; unique per process. */
  instanceId: string;
}

export const DEFAULT_OPTIONS: Omit<RelanceOptions, "instanceId"> = {
  defaultLanguage: "fr",
  defaultTimezone: "Europe/Paris",
  defaultSendWindow: { start: "08:00", end: "20:00" },
  maxMessagesPerDay: 100,
  messageDelayMs: 3000,
  messageJitterMs: 2000,
  typingMs: 1500,
  maxConcurrentSenders: 50,
  retryBackoffMs: [15 * 60_000, 60 * 60_000, 4 * 60 * 60_000],
  enrollmentMinAgeMs: 60 * 60_000,
  dayIntervalMs: 24 * 60 * 60_000,
  claimTtlMs: 10 * 60_000,
  dispatchPageSize: 100,
  exitWaitMs: 30_000,
  configRefreshMs: 5_000,
  enrollmentCron: "0 * * * *",
  dispatchCron: "* * * * *",
};

function nonNegativeInteger(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0) throw new ValidationError(`Option ${name} must be a non-negative integer, got ${value}`);
}

export function resolveOptions(partial: Partial<RelanceOptions>, fallbackInstanceId: string): RelanceOptions {
  const options: RelanceOptions = { ...DEFAULT_OPTIONS, instanceId: fallbackInstanceId, ...partial };
  for (const name of ["maxMessagesPerDay", "messageDelayMs", "messageJitterMs", "typingMs", "enrollmentMinAgeMs", "claimTtlMs", "exitWaitMs", "configRefreshMs"] as const) {
    nonNegativeInteger(name, options[name]);
  }
  for (const name of ["maxConcurrentSenders", "dispatchPageSize", "dayIntervalMs"] as const) {
    if (!Number.isInteger(options[name]) || options[name] < 1) throw new ValidationError(`Option ${name} must be a positive integer, got ${options[name]}`);
  }
  options.retryBackoffMs.forEach((ms, i) => nonNegativeInteger(`retryBackoffMs[${i}]`, ms));
  if (!isValidTimeZone(options.defaultTimezone)) throw new ValidationError(`Option defaultTimezone is not an IANA time zone: ${options.defaultTimezone}`);
  if (!isHhMm(options.defaultSendWindow.start) || !isHhMm(options.defaultSendWindow.end)) {
    throw new ValidationError("Option defaultSendWindow needs HH:MM start and end");
  }
  return options;
}
