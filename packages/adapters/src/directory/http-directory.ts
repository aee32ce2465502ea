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
import {
  DirectoryError,
  silentLogger,
  type Directory,
  type Logger,
  type Referral,
  type ReferralChanges,
  type ReferrerProfile,
} from "@relance/core";
import { GONE, PREFIX, UserServiceClient, type UserServiceClientOptions } from "./user-service-client.js";
import { asObject, hasNationalPhone, parseReferral, parseReferrer, shapeError, type MappingContext, type ReferrerPayload } from "./user-service-mapping.js";

/** The HTTP client's settings (see {@link UserServiceClientOptions}), and the listing's. */
export interface HttpDirectoryOptions extends Omit<UserServiceClientOptions, "logger"> {
  logger?: Logger;
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

const MAX_PAGES = 1000;

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

export class HttpDirectory implements Directory {
  private readonly client: UserServiceClient;
  private readonly mapping: MappingContext;
  private readonly logger: Logger;
  private readonly fullPassEveryMs: number;
  private readonly now: () => Date;

  constructor(options: HttpDirectoryOptions) {
    if (!options.baseUrl) throw new DirectoryError(`${PREFIX} baseUrl (USER_SERVICE_URL) is required`);
    if (!options.serviceSecret) throw new DirectoryError(`${PREFIX} serviceSecret is required`);
    this.logger = options.logger ?? silentLogger;
    this.client = new UserServiceClient({ ...options, logger: this.logger });
    this.mapping = { defaultCountry: options.defaultCountry ?? null, logger: this.logger };
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
      const body = await this.client.getJson(pagePath, { allowGone: options.allowGone === true && page === 0 });
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
        const referral = parseReferral(item, at, referrerUserId, referrerPhone ?? null, this.mapping);
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
    const body = await this.client.getJson(`/internal/relance/referrers/${encodeURIComponent(referrerUserId)}`);
    return body === null ? null : parseReferrer(body, referrerUserId, this.mapping);
  }
}
