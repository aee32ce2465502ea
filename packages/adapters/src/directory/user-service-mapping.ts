import { DirectoryError, isLanguage, type Language, type Logger, type Referral, type ReferrerProfile } from "@relance/core";
import { isInternationalForm, readMobileNumber } from "./phone-numbers.js";
import { PREFIX } from "./user-service-client.js";

/**
 * The user-service's answers read into the directory's model: shapes checked field by field (a
 * `DirectoryError` names the field), numbers read as people write them, an unreachable number
 * skipped with a warning naming the field and the reason, never the number.
 */

export interface ReferrerPayload {
  profile: ReferrerProfile;
  active: boolean;
}

export interface MappingContext {
  /** ISO 3166 alpha-2 (`FR`): reads national numbers when the referrer's own number is unknown. */
  defaultCountry: string | null;
  logger: Logger;
}

/** `GET …/referrers/{id}`'s body. */
export function parseReferrer(body: unknown, referrerUserId: string, ctx: MappingContext): ReferrerPayload {
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
      const reading = readMobileNumber(record.phone, { defaultCountry: ctx.defaultCountry });
      phone = reading.ok ? reading.phone : null;
      if (!reading.ok) ctx.logger.warn({ referrerUserId, field: "phone", reason: reading.reason }, `${PREFIX} referrer phone refused (${reading.reason}), ignored`);
    }
    return { profile: { userId, name, phone }, active: record.relanceSubscriptionActive };
}

/** One item of a referrals page, or null when its number cannot be reached on WhatsApp. */
export function parseReferral(item: unknown, at: string, referrerId: string, referrerPhone: string | null, ctx: MappingContext): Referral | null {
    const record = asObject(item, at);
    const userId = requireString(record, "userId", at);
    // One unreachable number must not cost the referrer every other relance: drop it, keep the list.
    const reading =
      typeof record.phone === "string" ? readMobileNumber(record.phone, { referrerPhone, defaultCountry: ctx.defaultCountry }) : { ok: false as const, reason: "missing (not a string)" };
    if (!reading.ok) {
      ctx.logger.warn(
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

/** True when the item's number is written nationally (needs the referrer's country to read). */
export function hasNationalPhone(item: unknown): boolean {
  const phone = typeof item === "object" && item !== null ? (item as { phone?: unknown }).phone : undefined;
  return typeof phone === "string" && !isInternationalForm(phone);
}

export function asObject(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw shapeError(field, "an object", value);
  return value as Record<string, unknown>;
}

export function requireString(record: Record<string, unknown>, key: string, at?: string): string {
  const value = record[key];
  if (typeof value !== "string") throw shapeError(at ? `${at}.${key}` : key, "a string", value);
  return value;
}

export function shapeError(field: string, expected: string, actual: unknown): DirectoryError {
  const got = actual === null ? "null" : Array.isArray(actual) ? "array" : typeof actual;
  return new DirectoryError(`${PREFIX} unexpected response: ${field} must be ${expected} (got ${got})`);
}
