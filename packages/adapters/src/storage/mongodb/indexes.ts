import type { CreateIndexesOptions, IndexSpecification } from "mongodb";
import type { CollectionKey, MongoCollections } from "./collections.js";

export interface IndexDefinition {
  collection: CollectionKey;
  name: string;
  key: IndexSpecification;
  options?: CreateIndexesOptions;
  /**
   * Used instead of `options` by a server that refuses them (FerretDB 1.24 has neither partial
   * nor TTL indexes): the same key, without the option. MongoDB always gets `options`.
   */
  fallbackOptions?: CreateIndexesOptions;
}

/** Counters live at least this long after their first increment (local days span up to 26 h). */
export const COUNTER_TTL_SECONDS = 3 * 24 * 3600;

/**
 * Named, so that `init()` recognises them on every start. A changed key gets a new name (creating
 * an index under an existing name with another key fails), and the old name goes in
 * {@link OBSOLETE_INDEXES}. Why each exists: docs/storage.md, "Indexes, and why".
 */
export const INDEXES: readonly IndexDefinition[] = [
  // Enrollment's idempotence: one target per referrer × referral, ever. Also covers
  // `findExistingReferralIds` (projection without `_id`).
  { collection: "targets", name: "referrer_referral_unique", key: { referrerUserId: 1, referralUserId: 1 }, options: { unique: true } },
  // `listDueReferrers`, index-only: every field its `$match` and `$group` use is in the key.
  { collection: "targets", name: "due_referrer", key: { status: 1, nextMessageDue: 1, referrerUserId: 1 } },
  // `listDue` (equality, equality, range, then `_id`: the whole sort comes from the index), and
  // the bounds of `deferDue` and `exitActiveOfReferrer`.
  { collection: "targets", name: "referrer_due_id", key: { referrerUserId: 1, status: 1, nextMessageDue: 1, _id: 1 } },
  { collection: "targets", name: "referrer_id", key: { referrerUserId: 1, _id: 1 } },
  // A STOP reply: the referrer's targets addressed to that number, not all of them.
  { collection: "targets", name: "referrer_phone", key: { referrerUserId: 1, "contact.phone": 1 } },
  { collection: "targets", name: "referral", key: { referralUserId: 1 } },
  { collection: "targets", name: "delivery_message_id", key: { "messagesDelivered.messageId": 1 } },
  { collection: "targets", name: "delivery_media_message_ids", key: { "messagesDelivered.mediaMessageIds": 1 } },
  // `listInterrupted`: only the few claims at stage `sending`, not a null entry per target.
  {
    collection: "targets",
    name: "sending_claim_expiry",
    key: { "claim.expiresAt": 1, _id: 1 },
    options: { partialFilterExpression: { "claim.stage": "sending" } },
    fallbackOptions: {},
  },
  { collection: "counters", name: "day", key: { day: 1 } },
  // Growth: ~10 000 referrers × 365 days × 2 keys a year otherwise.
  { collection: "counters", name: "created_ttl", key: { createdAt: 1 }, options: { expireAfterSeconds: COUNTER_TTL_SECONDS }, fallbackOptions: {} },
  { collection: "sessions", name: "session", key: { sessionId: 1 } },
  // Referrals: `_id` is (referrer, user) already, so no unique index of its own.
  { collection: "directoryReferrals", name: "referrer_created", key: { referrerId: 1, createdAt: 1, userId: 1 } },
  // Enrollment's incremental listing.
  { collection: "directoryReferrals", name: "referrer_changed", key: { referrerId: 1, changedAt: 1 } },
];

/** Indexes of earlier versions, dropped by `init()`: replaced by one above, or duplicating `_id`. */
export const OBSOLETE_INDEXES: ReadonlyArray<{ collection: CollectionKey; name: string }> = [
  { collection: "targets", name: "due" },
  { collection: "targets", name: "referrer_due" },
  { collection: "targets", name: "claim_expiry" },
  { collection: "messages", name: "day_number_unique" },
  { collection: "directoryReferrals", name: "referrer_user_unique" },
];

/**
 * Creates the indexes, then drops the obsolete ones (the new ones serve the queries first, so an
 * upgrade never runs without an index). Safe on an existing database and on every restart.
 */
export async function ensureIndexes(collections: MongoCollections): Promise<void> {
  // One createIndexes command per index: FerretDB 1.24 drops the connection when a single command
  // lists two or more indexes that already exist, which every restart would do.
  for (const index of INDEXES) {
    try {
      await collections[index.collection].createIndex(index.key, { ...index.options, name: index.name });
    } catch (error) {
      if (!index.fallbackOptions || !isUnsupportedOption(error)) throw error;
      await collections[index.collection].createIndex(index.key, { ...index.fallbackOptions, name: index.name });
    }
  }
  for (const obsolete of OBSOLETE_INDEXES) {
    const collection = collections[obsolete.collection];
    const existing = await collection.listIndexes().toArray().catch(() => []);
    if (existing.some((index) => index.name === obsolete.name)) await collection.dropIndex(obsolete.name);
  }
}

/** FerretDB answers an unknown index option with "not implemented" (238) or a bad value (2). */
function isUnsupportedOption(error: unknown): boolean {
  const code = typeof error === "object" && error !== null ? (error as { code?: unknown }).code : undefined;
  return code === 238 || code === 2 || code === 197;
}
