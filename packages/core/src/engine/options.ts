import { ValidationError } from "../errors.js";
import type { E164 } from "../model/phone.js";
import type { SendWindow } from "../model/send-window.js";
import { sendWindowIssues } from "../model/send-window.js";
import { DEFAULT_HEALTH_POLICY, type HealthPolicy } from "../policies/sender-health.js";
import { isValidTimeZone } from "../policies/time-zone.js";

/** Every tunable of the loop. All have defaults; see `resolveOptions`. Sender health's thresholds: `HealthPolicy`. */
export interface RelanceOptions extends HealthPolicy {
  defaultLanguage: string;
  defaultTimezone: string;
  defaultSendWindow: SendWindow;
  /** Per referrer and local calendar day (`RELANCE_MAX_MESSAGES_PER_DAY`). */
  maxMessagesPerDay: number;
  /** Minimum gap between two sends of one account (`RELANCE_MESSAGE_DELAY_MS`). */
  messageDelayMs: number;
  /** Random extra gap, 0..jitter. */
  messageJitterMs: number;
  /**
   * First contacts (day 1 to a number the account never wrote to) leave at least a random gap in
   * [firstContactGapMinMs, firstContactGapMaxMs] after the sender's previous first contact
   * (`RELANCE_FIRST_CONTACT_GAP_MS`, default 45000-120000): bursts to strangers are what gets
   * accounts restricted. Follow-ups keep `messageDelayMs`. 0-0 turns it off.
   */
  firstContactGapMinMs: number;
  firstContactGapMaxMs: number;
  /**
   * Each referrer starts its day at its own stable offset (a pure function of its id) inside the
   * first `dayStartSpreadMs` of its send window, at most half the window
   * (`RELANCE_DAY_START_SPREAD_MS`, default 3 h). 0: everyone starts at the opening.
   */
  dayStartSpreadMs: number;
  /**
   * How long "typing…" shows before each message, where the transport supports it: a random
   * time in [typingMs, typingMaxMs] (`RELANCE_TYPING_MS`, e.g. 2000-6000). 0 turns presence off.
   * Given alone, `typingMs` is a fixed duration.
   */
  typingMs: number;
  typingMaxMs: number;
  /**
   * Daily caps for a newly linked account, by local day since `whatsapp.linkedAt` (day 1 first);
   * afterwards `maxMessagesPerDay`. Each step is capped by `maxMessagesPerDay` too
   * (`RELANCE_DAILY_CAP_RAMP_UP`).
   */
  dailyCapRampUp: number[];
  /**
   * Per referrer and local day, messages to numbers this account never wrote to before (a
   * target's first day). Other targets keep going when it is reached
   * (`RELANCE_MAX_FIRST_CONTACTS_PER_DAY`).
   */
  maxFirstContactsPerDay: number;
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
  /** Due referrers one dispatch run takes (those waiting longest first); the rest, the next run. */
  maxReferrersPerRun: number;
  /** During a run, how often a referrer's config is re-read (pauses apply within this delay). */
  configRefreshMs: number;
  /** How long `exitUser` waits for a send already leaving another process. */
  exitWaitMs: number;
  /**
   * A held sender's due targets (paused, disabled, disconnected, restricted with no known end)
   * wait this long before the next look: they leave the head of the due set, so held senders
   * never keep a sendable one from its turn, and cost one batched write per period.
   */
  heldRecheckMs: number;
  /**
   * Waits between the attempts of a send's conditional writes (the `sending` mark, the record)
   * after a storage error: their conditions make a retry safe.
   */
  storageRetryDelaysMs: number[];
  enrollmentCron: string;
  dispatchCron: string;
  /**
   * The listen job's schedule (`RELANCE_LISTEN_CRON`): it restores the sessions of referrers with
   * active targets so that replies (STOP) are read even when nothing is due.
   */
  listenCron: string;
  /** Days after a target ends before its contact is purged (`RELANCE_RETENTION_DAYS`); null keeps contacts. */
  retentionDays: number | null;
  /** The daily retention job. */
  retentionCron: string;
  /** Identifies this process in claims and leases; unique per process. */
  instanceId: string;
  /**
   * The keyed hash (e.g. HMAC-SHA256 under a server secret) under which numbers go on the
   * do-not-contact list — opt-outs and erasures — so that the list never holds a number in clear.
   * Must stay the same for the life of the data. Without it numbers are listed in clear.
   */
  contactKey?: ((phone: E164) => string) | null;
}

export const DEFAULT_OPTIONS: Omit<RelanceOptions, "instanceId"> = {
  defaultLanguage: "fr",
  defaultTimezone: "Europe/Paris",
  defaultSendWindow: { start: "08:00", end: "20:00" },
  maxMessagesPerDay: 100,
  messageDelayMs: 3000,
  messageJitterMs: 2000,
  firstContactGapMinMs: 45_000,
  firstContactGapMaxMs: 120_000,
  dayStartSpreadMs: 3 * 60 * 60_000,
  typingMs: 2000,
  typingMaxMs: 6000,
  dailyCapRampUp: [20, 40, 60, 80],
  maxFirstContactsPerDay: 25,
  maxConcurrentSenders: 50,
  retryBackoffMs: [15 * 60_000, 60 * 60_000, 4 * 60 * 60_000],
  enrollmentMinAgeMs: 60 * 60_000,
  dayIntervalMs: 24 * 60 * 60_000,
  claimTtlMs: 10 * 60_000,
  dispatchPageSize: 100,
  maxReferrersPerRun: 10_000,
  exitWaitMs: 30_000,
  configRefreshMs: 5_000,
  heldRecheckMs: 10 * 60_000,
  storageRetryDelaysMs: [250, 1_000, 4_000],
  enrollmentCron: "0 * * * *",
  dispatchCron: "* * * * *",
  listenCron: "*/10 * * * *",
  retentionDays: 90,
  retentionCron: "17 3 * * *",
  ...DEFAULT_HEALTH_POLICY,
};

function nonNegativeInteger(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0) throw new ValidationError(`Option ${name} must be a non-negative integer, got ${value}`);
}

/** Names options had before, still read. */
export interface DeprecatedOptions {
  /** @deprecated The listen job's schedule is `listenCron`; read when `listenCron` is not given. */
  inboxCron?: string;
}

export function resolveOptions(partial: Partial<RelanceOptions> & DeprecatedOptions, fallbackInstanceId: string): RelanceOptions {
  const { inboxCron, ...given } = partial;
  const options: RelanceOptions = { ...DEFAULT_OPTIONS, instanceId: fallbackInstanceId, ...given };
  if (inboxCron !== undefined && given.listenCron === undefined) options.listenCron = inboxCron;
  // A typing time given alone (the option before ranges existed) stays a fixed duration.
  if (partial.typingMs !== undefined && partial.typingMaxMs === undefined) options.typingMaxMs = partial.typingMs;
  if (options.typingMaxMs < options.typingMs) throw new ValidationError(`Option typingMaxMs (${options.typingMaxMs}) is below typingMs (${options.typingMs})`);
  if (options.firstContactGapMaxMs < options.firstContactGapMinMs) {
    throw new ValidationError(`Option firstContactGapMaxMs (${options.firstContactGapMaxMs}) is below firstContactGapMinMs (${options.firstContactGapMinMs})`);
  }
  for (const name of ["maxMessagesPerDay", "messageDelayMs", "messageJitterMs", "firstContactGapMinMs", "firstContactGapMaxMs", "dayStartSpreadMs", "typingMs", "typingMaxMs", "enrollmentMinAgeMs", "claimTtlMs", "exitWaitMs", "configRefreshMs", "heldRecheckMs"] as const) {
    nonNegativeInteger(name, options[name]);
  }
  for (const name of ["maxConcurrentSenders", "dispatchPageSize", "maxReferrersPerRun", "dayIntervalMs", "maxFirstContactsPerDay"] as const) {
    if (!Number.isInteger(options[name]) || options[name] < 1) throw new ValidationError(`Option ${name} must be a positive integer, got ${options[name]}`);
  }
  if (options.retentionDays !== null && (!Number.isInteger(options.retentionDays) || options.retentionDays < 1)) {
    throw new ValidationError(`Option retentionDays must be a positive integer or null, got ${options.retentionDays}`);
  }
  for (const name of ["healthLookbackMs", "healthDeliveredAfterMs", "healthMinSample", "healthCoolDownMs"] as const) {
    if (!Number.isInteger(options[name]) || options[name] < 1) throw new ValidationError(`Option ${name} must be a positive integer, got ${options[name]}`);
  }
  for (const name of ["healthDegradedBelow", "healthAtRiskBelow", "healthDegradedErrorShare", "healthAtRiskErrorShare", "healthDegradedCapFactor"] as const) {
    if (!(options[name] >= 0 && options[name] <= 1)) throw new ValidationError(`Option ${name} must be a share between 0 and 1, got ${options[name]}`);
  }
  options.retryBackoffMs.forEach((ms, i) => nonNegativeInteger(`retryBackoffMs[${i}]`, ms));
  options.storageRetryDelaysMs.forEach((ms, i) => nonNegativeInteger(`storageRetryDelaysMs[${i}]`, ms));
  options.dailyCapRampUp.forEach((cap, i) => {
    if (!Number.isInteger(cap) || cap < 1) throw new ValidationError(`Option dailyCapRampUp[${i}] must be a positive integer, got ${cap}`);
  });
  if (!isValidTimeZone(options.defaultTimezone)) throw new ValidationError(`Option defaultTimezone is not an IANA time zone: ${options.defaultTimezone}`);
  const windowIssues = sendWindowIssues(options.defaultSendWindow);
  if (windowIssues.length > 0) {
    throw new ValidationError(`Option defaultSendWindow: ${windowIssues.map((i) => `${i.path} ${i.message}`).join("; ")}`);
  }
  return options;
}
