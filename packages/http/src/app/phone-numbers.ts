import { isInternationalForm, readMobileNumber } from "@relance/adapters";
import type { E164 } from "@relance/core";
import { ApiError } from "./errors.js";

export interface PhoneContext {
  /** `RELANCE_DEFAULT_COUNTRY`: reads national numbers when the referrer's own number is unknown. */
  defaultCountry: string | null;
  /** The referrer's stored number, whose country reads their referrals' national numbers. */
  referrerPhone(referrerId: string): Promise<string | null>;
}

const NO_COUNTRY = "a national number, and no country to read it in: write it with its country code (+33…), push the referrer's own number first, or set RELANCE_DEFAULT_COUNTRY";

/**
 * The phones of a push, read as people write them, in the order given; one 400 `invalid_request`
 * listing every refused field (`referral.phone`, `3.referral.phone`) otherwise.
 */
export async function readPushedPhones(items: ReadonlyArray<{ referrerId: string | null; phone: string; path: string }>, context: PhoneContext): Promise<E164[]> {
  const referrerPhones = new Map<string, string | null>();
  const phones: E164[] = [];
  const issues: Array<{ path: string; message: string }> = [];
  for (const item of items) {
    let referrerPhone: string | null = null;
    // Only a national number needs the referrer's country: one lookup per referrer of the push.
    if (item.referrerId !== null && !isInternationalForm(item.phone)) {
      if (!referrerPhones.has(item.referrerId)) referrerPhones.set(item.referrerId, await context.referrerPhone(item.referrerId));
      referrerPhone = referrerPhones.get(item.referrerId) ?? null;
    }
    const reading = readMobileNumber(item.phone, { referrerPhone, defaultCountry: context.defaultCountry });
    if (reading.ok) phones.push(reading.phone);
    else issues.push({ path: item.path, message: reading.problem === "no_country" ? NO_COUNTRY : reading.reason });
  }
  if (issues.length > 0) throw new ApiError(400, "invalid_request", "Invalid request body", issues);
  return phones;
}
