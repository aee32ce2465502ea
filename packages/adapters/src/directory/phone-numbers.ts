/**
 * Phone numbers as people write them (`06 12 34 56 78`, `+33 (0)6 12…`, `0033…`), read into E.164
 * with libphonenumber-js's full metadata, at the edges that receive them (the push routes, the
 * pull directory). The core only ever sees E.164.
 *
 * A national number (no `+` nor `00`) is read in the referrer's own country (the calling code of
 * their number) when it is known, else in the default country; without either it is refused.
 * Only numbers WhatsApp can reach a person on pass: a valid mobile (or a number the numbering plan
 * cannot tell from one, as in North America); landlines, toll-free, premium, VoIP, pagers and
 * impossible lengths are refused, with the reason.
 */
import { isSupportedCountry, parsePhoneNumberFromString, type CountryCode, type NumberType, type PhoneNumber } from "libphonenumber-js/max";
import type { E164 } from "@relance/core";

/** Why a number was refused; `no_country`: a national number with neither a referrer's nor a default country. */
export type PhoneProblem = "not_phone" | "no_country" | "impossible" | "invalid" | "not_mobile";

export type PhoneReading = { ok: true; phone: E164 } | { ok: false; problem: PhoneProblem; reason: string };

/** Where a national number is read. */
export interface PhoneRegion {
  /** The referrer's own number (E.164): its calling code reads their referrals' national numbers. */
  referrerPhone?: string | null;
  /** ISO 3166 alpha-2 code (`FR`), used when the referrer's number is unknown. */
  defaultCountry?: string | null;
}

/** Characters a written phone number may hold; anything else (letters, `tel:`) is not one. */
const PHONE_TEXT = /^\+?[0-9\s().\-/\u00a0]+$/;
const MAX_LENGTH = 40;

/** Types WhatsApp can reach a person on; undefined: valid, but the plan does not say. */
const REACHABLE = new Set<NumberType>(["MOBILE", "FIXED_LINE_OR_MOBILE", undefined]);

const TYPE_NAMES: Partial<Record<NonNullable<NumberType>, string>> = {
  FIXED_LINE: "a landline",
  TOLL_FREE: "a toll-free number",
  PREMIUM_RATE: "a premium-rate number",
  SHARED_COST: "a shared-cost number",
  VOIP: "a VoIP number",
  PERSONAL_NUMBER: "a personal (forwarding) number",
  PAGER: "a pager number",
  UAN: "a company (UAN) number",
  VOICEMAIL: "a voicemail number",
};

/** True for a country libphonenumber knows (`FR`, `SN`…): what `RELANCE_DEFAULT_COUNTRY` must be. */
export function isPhoneCountry(value: string): value is CountryCode {
  return /^[A-Z]{2}$/.test(value) && isSupportedCountry(value);
}

/** Reads `raw` as a mobile number in E.164, or says why it is not one. */
export function readMobileNumber(raw: string, region: PhoneRegion = {}): PhoneReading {
  const text = raw.trim();
  if (text === "" || text.length > MAX_LENGTH || !PHONE_TEXT.test(text)) {
    return { ok: false, problem: "not_phone", reason: "not a phone number (digits, spaces and + ( ) . - / only)" };
  }
  // `00` opens an international number in most of the world (the core has always read it so).
  const written = text.startsWith("00") ? `+${text.slice(2)}` : text;
  const number = written.startsWith("+") ? parsePhoneNumberFromString(written) : parseNational(written, region);
  if (number === null) {
    return { ok: false, problem: "no_country", reason: "a national number, and no country to read it in: write it with its country code (+33…) or set a default country" };
  }
  if (number === undefined || !number.isPossible()) return { ok: false, problem: "impossible", reason: "not a possible phone number (wrong length or country code)" };
  if (!number.isValid()) return { ok: false, problem: "invalid", reason: `not a valid number for its country (+${number.countryCallingCode})` };
  const type = number.getType();
  if (!REACHABLE.has(type)) return { ok: false, problem: "not_mobile", reason: `${TYPE_NAMES[type!] ?? "not a mobile number"}, not a mobile: WhatsApp needs a mobile number` };
  return { ok: true, phone: number.number };
}

/** True when `raw` carries its own country code (`+`, `00`): no region is needed to read it. */
export function isInternationalForm(raw: string): boolean {
  const text = raw.trim();
  return text.startsWith("+") || text.startsWith("00");
}

/** null: no region to read it in; undefined: the library could not read it. */
function parseNational(text: string, region: PhoneRegion): PhoneNumber | undefined | null {
  const referrer = region.referrerPhone ? parsePhoneNumberFromString(region.referrerPhone) : undefined;
  if (referrer?.isValid()) return parsePhoneNumberFromString(text, { defaultCallingCode: referrer.countryCallingCode });
  if (region.defaultCountry && isPhoneCountry(region.defaultCountry)) return parsePhoneNumberFromString(text, { defaultCountry: region.defaultCountry });
  return null;
}
