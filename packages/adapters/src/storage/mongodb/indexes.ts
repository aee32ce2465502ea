import type { CreateIndexesOptions, IndexSpecification } from "mongodb";
import type { CollectionKey, MongoCollections } from "./collections";

export interface IndexDefinition {
  collection: CollectionKey;
  name: string;
  key: IndexSpecification;
  options?: CreateIndexesOptions;
}

/** Named, so that `init()` recognises them on every start. */
export const INDEXES: readonly IndexDefinition[] = [
  // Enrollment's idempotence: one target per referrer × referral, ever.
  { collection: "targets", name: "referrer_referral_unique", key: { referrerUserId: 1, referralUserId: 1 }, options: { unique: true } },
  { collection: "targets", name: "due", key: { status: 1, nextMessageDue: 1 } },
  { collection: "targets", name: "referrer_due", key: { referrerUserId: 1, status: 1, nextMessageDue: 1 } },
  { collection: "targets", name: "referrer_id", key: { referrerUserId: 1, _id: 1 } },
  { collection: "targets", name: "referral", key: { referralUserId: 1 } },
  { collection: "targets", name: "delivery_message_id", key: { "messagesDelivered.messageId": 1 } },
  { collection: "targets", name: "delivery_media_message_ids", key: { "messagesDelivered.mediaMessageIds": 1 } },
  { collection: "targets", name: "claim_expiry", key: { "claim.stage": 1, "claim.expiresAt": 1 } },
  { collection: "messages", name: "day_number_unique", key: { dayNumber: 1 }, options: { unique: true } },
  { collection: "counters", name: "day", key: { day: 1 } },
  { collection: "sessions", name: "session", key: { sessionId: 1 } },
  // One referral per referrer × user (also the `_id`), listed in sign-up order.
  { collection: "directoryReferrals", name: "referrer_user_unique", key: { referrerId: 1, userId: 1 }, options: { unique: true } },
  { collection: "directoryReferrals", name: "referrer_created", key: { referrerId: 1, createdAt: 1, userId: 1 } },
  // Enrollment's incremental listing.
  { collection: "directoryReferrals", name: "referrer_changed", key: { referrerId: 1, changedAt: 1 } },
];

export async function ensureIndexes(collections: MongoCollections): Promise<void> {
  // One createIndexes command per index: FerretDB 1.24 drops the connection when a single command
  // lists two or more indexes that already exist, which every restart would do.
  for (const index of INDEXES) {
    await collections[index.collection].createIndex(index.key, { ...index.options, name: index.name });
  }
}
