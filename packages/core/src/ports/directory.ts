import type { Language } from "../model/language.js";
import type { E164 } from "../model/phone.js";

export interface ReferrerProfile {
  userId: string;
  name: string;
  phone: E164 | null;
}

/** Someone who signed up through a referrer's link. */
export interface Referral {
  userId: string;
  referrerId: string;
  phone: E164;
  name: string;
  language: Language | null;
  createdAt: Date;
  paid: boolean;
  paymentLink: string | null;
}

/**
 * The platform's view of referrers and referrals. Adapters: pull from the user-service over
 * HTTP, or a directory stored locally and fed by push calls.
 */
export interface Directory {
  /** True while the referrer pays for the relance option. */
  hasActiveSubscription(referrerUserId: string): Promise<boolean>;
  getReferrer(referrerUserId: string): Promise<ReferrerProfile | null>;
  /** Every referral of the referrer, paid or not (one call per referrer and run). */
  listReferrals(referrerUserId: string): Promise<Referral[]>;
}

/** The write side of the stored (push-fed) directory. */
export interface DirectoryFeed {
  setSubscription(input: { userId: string; active: boolean; name?: string; phone?: E164 | null }): Promise<void>;
  upsertReferral(referral: Referral): Promise<void>;
}
