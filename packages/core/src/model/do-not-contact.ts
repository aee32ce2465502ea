import type { E164 } from "./phone.js";

/** A number that must never be messaged again (opted out), whoever the referrer. */
export interface DoNotContactEntry {
  phone: E164;
  reason: "opted_out" | "manual";
  /** The referrer whose message the person answered, when known. */
  referrerUserId: string | null;
  addedAt: Date;
}
