import type { E164 } from "./phone.js";

/** A number that must never be messaged again (opted out, or erased), whoever the referrer. */
export interface DoNotContactEntry {
  /**
   * The number's keyed hash when the engine has a `contactKey` (the HTTP service always does), so
   * the list does not hold the numbers themselves; the number in clear otherwise.
   */
  phone: E164;
  reason: "opted_out" | "manual" | "erased";
  /** The referrer whose message the person answered, when known (the engine leaves it null). */
  referrerUserId: string | null;
  addedAt: Date;
}
