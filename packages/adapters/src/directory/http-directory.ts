/**
 * Directory pulled from the platform's user-service over HTTP.
 *
 * Every request carries `Authorization: Bearer <RELANCE_SERVICE_SECRET>` and
 * `X-Service-Name: relance`. IDs are URL-encoded in paths.
 *
 * - `GET {USER_SERVICE_URL}/internal/relance/referrers/{referrerId}`
 *   → 200 `{"userId": string, "name": string, "phone": "+E164" | null, "relanceSubscriptionActive": boolean}`
 *   → 404: unknown referrer (no active subscription, no profile).
 * - `GET {USER_SERVICE_URL}/internal/relance/referrers/{referrerId}/referrals[?cursor=...]`
 *   → 200 `{"items": [{"userId": string, "phone": "+E164", "name": string, "language": "fr" | "en" | null,
 *     "createdAt": ISO-8601, "paid": boolean, "paymentLink": string | null}], "nextCursor"?: string | null}`
 *   → 404: no referrals.
 *   While `nextCursor` is a non-empty string, the next page is fetched with `?cursor=<nextCursor>`.
 * - Batch lookup (dispatch): the same path with `?userId=<id>&userId=<id>…` (at most 100 per
 *   request) → the same shape, only those referrals (unknown ids left out).
 * - Incremental listing (enrollment): the same path with `?since=<nextSince>` → the referrals
 *   created or changed since the listing that returned that `nextSince`. Every listing, full or
 *   incremental, returns `"nextSince": string` on its last page; a service that never does gets a
 *   full listing every time. 410 on `?since=`: the cursor expired, a full listing follows. A full
 *   listing is also made at least once a day (`fullPassEveryMs`) as a safety net.
 *
 * Phones are read as people write them (`06 12 34 56 78`): a national number in the referrer's own
 * country (the calling code of the `phone` the referrer endpoint gives, fetched once per listing
 * that needs it), else in `defaultCountry`. A referral whose number is not a mobile WhatsApp can
 * reach (landline, impossible length, no country to read it in) is skipped with a warning naming
 * the field and the reason, never the number.
 *
 * Network errors, timeouts, 429 and 5xx are retried (exponential backoff with jitter, `Retry-After`
 * honoured up to a cap); any other failure is a `DirectoryError`.
 */
import { isInternationalForm, readMobileNumber } from "./phone-numbers.js";
import {
  DirectoryError,
  isLanguage,
  silentLogger,
  type Directory,
  type Language,
  type Logger,
  type Referral,
  type ReferralChanges,
  type ReferrerProfile,
} from "@relance/core";

const DEFAULT_MAX_RESPONSE_BYTES = 8 * 1024 * 1024;

export interface HttpDirectoryOptions {
  /** `USER_SERVICE_URL`, e.g. `https://users.internal:8080`. */
  baseUrl: string;
  /** Sent as `Authorization: Bearer <secret>`; never logged nor put in error messages. */
  serviceSecret: string;
  /** Sent as `X-Service-Name`. Default `relance`. */
  serviceName?: string;
  /** Per attempt, including reading the body. Default 5000. */
  timeoutMs?: number;
  /** Extra attempts after the first on network errors, timeouts, 429 and 5xx. Default 2. */
  retries?: number;
  /** Longest wait a `Retry-After` header can impose. Default 30 000 ms. */
  maxRetryAfterMs?: number;
  /** Largest response body read (announced or streamed); default 8 MiB. A page of referrals is far smaller. */
  maxResponseBytes?: number;
  fetch?: typeof globalThis.fetch;
  logger?: Logger;
  sleep?: (ms: number) => Promise<void>;
  /** A full listing at least this often, incremental ones in between. Default 24 h. */
  fullPassEveryMs?: number;
  /** Times the full passes. Default the system clock. */
  now?: () => Date;
  /** ISO 3166 alpha-2 (`FR`): reads national numbers when the referrer's own number is unknown. */
  defaultCountry?: string | null;
}

/** The adapter's own cursor: the service's `nextSince` and when the last full listing was made. */
interface PullCursor {
  since: string;
  fullAt: number;
}

const IDS_PER_REQUEST = 100;

interface ReferrerPayload {
  profile: ReferrerProfile;
  active: boolean;
}

const PREFIX = "[http-directory]";
const MAX_PAGES = 1000;
const BASE_BACKOFF_MS = 200;

/** A `since` cursor the service no longer knows (410). */
const GONE = Symbol("gone");

/** Null when the service gave no `nextSince`: it cannot list changes, so the next listing is full. */
function pullCursor(since: string | null, fullAt: number): string | null {
  return since === null ? null : JSON.stringify({ since, fullAt } satisfies PullCursor);
}

/** A cursor this adapter did not write (or an older form) means a full listing. */
function parsePullCursor(text: string): PullCursor | null {
  try {
    const value = JSON.parse(text) as Partial<PullCursor>;
    return typeof value.since === "string" && typeof value.fullAt === "number" ? { since: value.since, fullAt: value.fullAt } : null;
  } catch {
    return null;
  }
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Failures worth another attempt: the service may answer differently a moment later. */
class RetryableFailure extends Error {
  constructor(
    message: string,
    readonly retryAfterMs: number | null,
    cause?: unknown,
  ) {
    super(message, cause === undefined ? undefined : { cause });
  }
}

export class HttpDirectory implements Directory {
  private readonly baseUrl: string;
  private readonly serviceName: string;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly maxRetryAfterMs: number;
  private readonly fetchImpl: typeof globalThis.fetch;
  private readonly logger: Logger;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly fullPassEveryMs: number;
  private readonly now: () => Date;

  constructor(private readonly options: HttpDirectoryOptions) {
    if (!options.baseUrl) throw new DirectoryError(`${PREFIX} baseUrl (USER_SERVICE_URL) is required`);
    if (!options.serviceSecret) throw new DirectoryError(`${PREFIX} serviceSecret is required`);
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
    this.serviceName = options.serviceName ?? "relance";
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.retries = Math.max(0, options.retries ?? 2);
    this.maxRetryAfterMs = options.maxRetryAfterMs ?? 30_000;
    this.fetchImpl = options.fetch ?? globalThis.fetch;
    this.logger = options.logger ?? silentLogger;
    this.sleep = options.sleep ?? realSleep;
    this.fullPassEveryMs = options.fullPassEveryMs ?? 24 * 60 * 60 * 1000;
    this.now = options.now ?? (() => new Date());
  }

  async hasActiveSubscription(referrerUserId: string): Promise<boolean> {
    return (await this.fetchReferrer(referrerUserId))?.active ?? false;
  }

  async getReferrer(referrerUserId: string): Promise<ReferrerProfile | null> {
    return (await this.fetchReferrer(referrerUserId))?.profile ?? null;
  }

  async getReferrerStatus(referrerUserId: string): Promise<{ active: boolean; profile: ReferrerProfile | null }> {
    const record = await this.fetchReferrer(referrerUserId);
    return { active: record?.active ?? false, profile: record?.profile ?? null };
  }

  async listReferrals(referrerUserId: string): Promise<Referral[]> {
    return (await this.fetchReferrals(referrerUserId, null)).referrals;
  }

  async getReferrals(referrerUserId: string, userIds: readonly string[]): Promise<Referral[]> {
    const unique = [...new Set(userIds)];
    const referrals: Referral[] = [];
    for (let start = 0; start < unique.length; start += IDS_PER_REQUEST) {
      const query = unique
        .slice(start, start + IDS_PER_REQUEST)
        .map((userId) => `userId=${encodeURIComponent(userId)}`)
        .join("&");
      referrals.push(...(await this.fetchReferrals(referrerUserId, query)).referrals);
    }
    return referrals;
  }

  async listReferralChanges(referrerUserId: string, since: string | null): Promise<ReferralChanges> {
    const previous = since === null ? null : parsePullCursor(since);
    const now = this.now().getTime();
    if (previous && now - previous.fullAt < this.fullPassEveryMs) {
      const changes = await this.fetchReferrals(referrerUserId, `since=${encodeURIComponent(previous.since)}`, { allowGone: true });
      if (!changes.gone) return { items: changes.referrals, cursor: pullCursor(changes.nextSince, previous.fullAt) };
      this.logger.info({ referrerUserId }, `${PREFIX} since cursor expired (410): full listing`);
    }
    const full = await this.fetchReferrals(referrerUserId, null);
    return { items: full.referrals, cursor: pullCursor(full.nextSince, now) };
  }

  /**
   * Every page of one listing of the referrer's referrals, with `query` (null: a full listing).
   * `nextSince` is the last page's, null when the service gave none.
   */
  private async fetchReferrals(
    referrerUserId: string,
    query: string | null,
    options: { allowGone?: boolean } = {},
  ): Promise<{ referrals: Referral[]; nextSince: string | null; gone?: boolean }> {
    const path = `/internal/relance/referrers/${encodeURIComponent(referrerUserId)}/referrals`;
    const referrals: Referral[] = [];
    let cursor: string | null = null;
    let referrerPhone: string | null | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const params = [query, cursor === null ? null : `cursor=${encodeURIComponent(cursor)}`].filter((part) => part !== null);
      const pagePath: string = params.length === 0 ? path : `${path}?${params.join("&")}`;
      const body = await this.getJson(pagePath, { allowGone: options.allowGone === true && page === 0 });
      if (body === GONE) return { referrals: [], nextSince: null, gone: true };
      if (body === null) {
        // A 404 mid-pagination means the cursor went stale, not "no referrals": a partial list
        // would look like referrals that vanished.
        if (page === 0) return { referrals: [], nextSince: null };
        throw new DirectoryError(`${PREFIX} GET ${path}: page ${page + 1} answered 404 (cursor no longer valid)`);
      }
      const record = asObject(body, "response");
      if (!Array.isArray(record.items)) throw shapeError("items", "an array", record.items);
      // The referrer's number is fetched only when a page holds a national number to read in it.
      if (referrerPhone === undefined && record.items.some(hasNationalPhone)) referrerPhone = (await this.fetchReferrer(referrerUserId))?.profile.phone ?? null;
      record.items.forEach((item, index) => {
        const at = page === 0 ? `items[${index}]` : `page ${page + 1} items[${index}]`;
        const referral = this.parseReferral(item, at, referrerUserId, referrerPhone ?? null);
        if (referral) referrals.push(referral);
      });
      const next = record.nextCursor;
      if (next !== undefined && next !== null && typeof next !== "string") throw shapeError("nextCursor", "a string or null", next);
      if (!next) {
        const nextSince = record.nextSince;
        if (nextSince !== undefined && nextSince !== null && typeof nextSince !== "string") throw shapeError("nextSince", "a string or null", nextSince);
        return { referrals, nextSince: nextSince || null };
      }
      cursor = next;
    }
    throw new DirectoryError(`${PREFIX} GET ${path}: more than ${MAX_PAGES} pages, giving up`);
  }

  private async fetchReferrer(referrerUserId: string): Promise<ReferrerPayload | null> {
    const body = await this.getJson(`/internal/relance/referrers/${encodeURIComponent(referrerUserId)}`);
    if (body === null) return null;
    const record = asObject(body, "response");
    const userId = requireString(record, "userId");
    const name = requireString(record, "name");
    if (typeof record.relanceSubscriptionActive !== "boolean") {
      throw shapeError("relanceSubscriptionActive", "a boolean", record.relanceSubscriptionActive);
    }
    let phone: string | null = null;
    if (record.phone !== null && record.phone !== undefined) {
      if (typeof record.phone !== "string") throw shapeError("phone", "a string or null", record.phone);
      // The referrer's own number is informative only: a bad one must not hide the subscription.
      const reading = readMobileNumber(record.phone, { defaultCountry: this.options.defaultCountry ?? null });
      phone = reading.ok ? reading.phone : null;
      if (!reading.ok) this.logger.warn({ referrerUserId, field: "phone", reason: reading.reason }, `${PREFIX} referrer phone refused (${reading.reason}), ignored`);
    }
    return { profile: { userId, name, phone }, active: record.relanceSubscriptionActive };
  }

  private parseReferral(item: unknown, at: string, referrerId: string, referrerPhone: string | null): Referral | null {
    const record = asObject(item, at);
    const userId = requireString(record, "userId", at);
    // One unreachable number must not cost the referrer every other relance: drop it, keep the list.
    const reading =
      typeof record.phone === "string" ? readMobileNumber(record.phone, { referrerPhone, defaultCountry: this.options.defaultCountry ?? null }) : { ok: false as const, reason: "missing (not a string)" };
    if (!reading.ok) {
      this.logger.warn(
        { referrerUserId: referrerId, referralUserId: userId, field: `${at}.phone`, reason: reading.reason },
        `${PREFIX} ${at}.phone refused (${reading.reason}), referral skipped`,
      );
      return null;
    }
    const phone = reading.phone;
    const name = requireString(record, "name", at);
    let language: Language | null = null;
    if (record.language !== null && record.language !== undefined) {
      if (!isLanguage(record.language)) throw shapeError(`${at}.language`, `a language code or null`, record.language);
      language = record.language;
    }
    if (typeof record.createdAt !== "string") throw shapeError(`${at}.createdAt`, "an ISO-8601 string", record.createdAt);
    const createdAt = new Date(record.createdAt);
    if (Number.isNaN(createdAt.getTime())) throw shapeError(`${at}.createdAt`, "an ISO-8601 string", record.createdAt);
    if (typeof record.paid !== "boolean") throw shapeError(`${at}.paid`, "a boolean", record.paid);
    let paymentLink: string | null = null;
    if (record.paymentLink !== null && record.paymentLink !== undefined) {
      if (typeof record.paymentLink !== "string") throw shapeError(`${at}.paymentLink`, "a string or null", record.paymentLink);
      paymentLink = record.paymentLink;
    }
    return { userId, referrerId, phone, name, language, createdAt, paid: record.paid, paymentLink };
  }

  /** The parsed JSON body, null on 404, {@link GONE} on 410 when allowed. */
  private async getJson(path: string, options: { allowGone?: boolean } = {}): Promise<unknown> {
    const attempts = this.retries + 1;
    let lastFailure: RetryableFailure | undefined;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        const text = await this.attempt(path, options.allowGone === true);
        if (text === null || text === GONE) return text;
        try {
          return JSON.parse(text) as unknown;
        } catch (error) {
          throw new DirectoryError(`${PREFIX} GET ${path}: response is not valid JSON`, error);
        }
      } catch (error) {
        if (!(error instanceof RetryableFailure)) throw error;
        lastFailure = error;
        if (attempt === attempts) break;
        const backoff = BASE_BACKOFF_MS * 2 ** (attempt - 1) + Math.floor(Math.random() * BASE_BACKOFF_MS);
        const delayMs = error.retryAfterMs === null ? backoff : Math.min(error.retryAfterMs, this.maxRetryAfterMs);
        this.logger.warn({ path, attempt, delayMs, reason: this.redact(error.message) }, `${PREFIX} request failed, retrying`);
        await this.sleep(delayMs);
      }
    }
    throw new DirectoryError(
      this.redact(`${PREFIX} GET ${path} failed after ${attempts} attempt(s): ${lastFailure?.message ?? "unknown error"}`),
      lastFailure?.cause,
    );
  }

  /** One request: the body text, null on 404, GONE on an allowed 410; throws RetryableFailure or DirectoryError. */
  private async attempt(path: string, allowGone: boolean): Promise<string | typeof GONE | null> {
    try {
      const response = await this.fetchImpl(`${this.baseUrl}${path}`, {
        method: "GET",
        headers: {
          Accept: "application/json",
          Authorization: `Bearer ${this.options.serviceSecret}`,
          "X-Service-Name": this.serviceName,
        },
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      if (response.status === 404) {
        await response.body?.cancel();
        return null;
      }
      if (response.status === 410 && allowGone) {
        await response.body?.cancel();
        return GONE;
      }
      if (response.status === 429 || response.status >= 500) {
        await response.body?.cancel();
        throw new RetryableFailure(`HTTP ${response.status}`, parseRetryAfter(response.headers.get("retry-after")));
      }
      if (!response.ok) {
        await response.body?.cancel();
        throw new DirectoryError(this.redact(`${PREFIX} GET ${path} failed: HTTP ${response.status}`));
      }
      return await this.readCapped(response, path);
    } catch (error) {
      if (error instanceof RetryableFailure || error instanceof DirectoryError) throw error;
      if (isTimeout(error)) throw new RetryableFailure(`timed out after ${this.timeoutMs} ms`, null, error);
      throw new RetryableFailure(`network error: ${describeCause(error)}`, null, error);
    }
  }

  /** The body as text, refused past `maxResponseBytes` before it is read whole. */
  private async readCapped(response: Response, path: string): Promise<string> {
    const max = this.options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    const tooLarge = () => new DirectoryError(this.redact(`${PREFIX} GET ${path} failed: response larger than ${max} bytes`));
    const declared = Number(response.headers.get("content-length") ?? NaN);
    if (Number.isFinite(declared) && declared > max) {
      await response.body?.cancel();
      throw tooLarge();
    }
    if (!response.body) return "";
    const reader = response.body.getReader();
    const parts: Uint8Array[] = [];
    let total = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > max) {
        await reader.cancel().catch(() => undefined);
        throw tooLarge();
      }
      parts.push(value);
    }
    return Buffer.concat(parts).toString("utf8");
  }

  /** Defence in depth: a proxy or the service echoing our headers must not leak the secret. */
  private redact(text: string): string {
    return text.split(this.options.serviceSecret).join("[redacted]");
  }
}

function hasNationalPhone(item: unknown): boolean {
  const phone = typeof item === "object" && item !== null ? (item as { phone?: unknown }).phone : undefined;
  return typeof phone === "string" && !isInternationalForm(phone);
}

function parseRetryAfter(header: string | null): number | null {
  if (!header) return null;
  const seconds = Number(header.trim());
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? null : Math.max(0, date - Date.now());
}

function isTimeout(error: unknown): boolean {
  return error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
}

/** undici hides the useful part (ECONNREFUSED, ...) in `cause`. */
function describeCause(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const inner = error.cause instanceof Error ? error.cause : null;
  const code = inner && "code" in inner ? String((inner as { code?: unknown }).code) : null;
  return code ? `${error.message} (${code})` : error.message;
}

function asObject(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw shapeError(field, "an object", value);
  return value as Record<string, unknown>;
}

function requireString(record: Record<string, unknown>, key: string, at?: string): string {
  const value = record[key];
  if (typeof value !== "string") throw shapeError(at ? `${at}.${key}` : key, "a string", value);
  return value;
}

function shapeError(field: string, expected: string, actual: unknown): DirectoryError {
  const got = actual === null ? "null" : Array.isArray(actual) ? "array" : typeof actual;
  return new DirectoryError(`${PREFIX} unexpected response: ${field} must be ${expected} (got ${got})`);
}
