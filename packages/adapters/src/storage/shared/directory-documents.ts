import type { Referral } from "@relance/core";
import type { StoredReferrer } from "../../ports/directory-repository.js";

/** A pushed referrer as stored (file and MongoDB alike): the platform's field names. */
export function referrerDocument(referrer: StoredReferrer) {
  return {
    _id: referrer.userId,
    userId: referrer.userId,
    active: referrer.active,
    name: referrer.name,
    phone: referrer.phone,
    updatedAt: new Date(referrer.updatedAt),
  };
}

/** A referral record's key: (referrerId, userId) as one string. */
export function referralKey(referrerId: string, userId: string): string {
  return JSON.stringify([referrerId, userId]);
}

/** A pushed referral as stored, keyed by (referrerId, userId). */
export function referralDocument(referral: Referral) {
  return {
    _id: referralKey(referral.referrerId, referral.userId),
    userId: referral.userId,
    referrerId: referral.referrerId,
    phone: referral.phone,
    name: referral.name,
    language: referral.language,
    createdAt: new Date(referral.createdAt),
    paid: referral.paid,
    paymentLink: referral.paymentLink,
  };
}
