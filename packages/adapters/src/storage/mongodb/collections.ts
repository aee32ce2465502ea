import type { Collection, Db } from "mongodb";
import type {
  ConfigDocument,
  CounterDocument,
  DirectoryReferralDocument,
  DirectoryReferrerDocument,
  DoNotContactDocument,
  EnrollmentCursorDocument,
  ExitedUserDocument,
  LeaseDocument,
  MessageDocument,
  SessionEntryDocument,
  SettingsDocument,
  TargetDocument,
} from "./documents.js";

export type CollectionKey =
  | "configs"
  | "messages"
  | "targets"
  | "counters"
  | "doNotContact"
  | "leases"
  | "sessions"
  | "directoryReferrers"
  | "directoryReferrals"
  | "exitedUsers"
  | "enrollmentCursors"
  | "settings";

export type CollectionNames = Record<CollectionKey, string>;

/** Prefixed, so the loop's collections can live in the platform's own database. */
export const DEFAULT_COLLECTION_NAMES: Readonly<CollectionNames> = Object.freeze({
  configs: "relance_configs",
  messages: "relance_messages",
  targets: "relance_targets",
  counters: "relance_counters",
  doNotContact: "relance_do_not_contact",
  leases: "relance_leases",
  sessions: "relance_sessions",
  directoryReferrers: "relance_directory_referrers",
  directoryReferrals: "relance_directory_referrals",
  exitedUsers: "relance_exited_users",
  enrollmentCursors: "relance_enrollment_cursors",
  settings: "relance_settings",
});

export interface MongoCollections {
  configs: Collection<ConfigDocument>;
  messages: Collection<MessageDocument>;
  targets: Collection<TargetDocument>;
  counters: Collection<CounterDocument>;
  doNotContact: Collection<DoNotContactDocument>;
  leases: Collection<LeaseDocument>;
  sessions: Collection<SessionEntryDocument>;
  directoryReferrers: Collection<DirectoryReferrerDocument>;
  directoryReferrals: Collection<DirectoryReferralDocument>;
  exitedUsers: Collection<ExitedUserDocument>;
  enrollmentCursors: Collection<EnrollmentCursorDocument>;
  settings: Collection<SettingsDocument>;
}

export function resolveCollectionNames(overrides: Partial<CollectionNames> = {}): CollectionNames {
  const names = { ...DEFAULT_COLLECTION_NAMES };
  for (const key of Object.keys(names) as CollectionKey[]) {
    const name = overrides[key];
    if (name !== undefined) names[key] = name;
  }
  return names;
}

/**
 * Pinned on every handle, whatever the URI or the cluster's default says. An acknowledged write is
 * a majority-committed one: a `w: 1` write (the default of a PSA set, or of a URI that lowers it)
 * can roll back on failover after the message it records has left, and the day would be sent
 * again. Reads go to the primary: the compare-and-set operations read what they just wrote
 * (`getOrCreate`, a lease's holder), which a lagging secondary may not have yet. `wtimeoutMS`
 * turns a majority that cannot be reached into an error instead of a hang; such a write may
 * still have applied, which the conditional writes' retries are built for.
 */
export const COLLECTION_OPTIONS = Object.freeze({
  // Optional model fields that are absent must stay absent, not become BSON nulls.
  ignoreUndefined: true,
  writeConcern: { w: "majority" as const, wtimeoutMS: 10_000 },
  readPreference: "primary" as const,
});

export function openCollections(db: Db, names: CollectionNames): MongoCollections {
  const options = COLLECTION_OPTIONS;
  return {
    configs: db.collection<ConfigDocument>(names.configs, options),
    messages: db.collection<MessageDocument>(names.messages, options),
    targets: db.collection<TargetDocument>(names.targets, options),
    counters: db.collection<CounterDocument>(names.counters, options),
    doNotContact: db.collection<DoNotContactDocument>(names.doNotContact, options),
    leases: db.collection<LeaseDocument>(names.leases, options),
    sessions: db.collection<SessionEntryDocument>(names.sessions, options),
    directoryReferrers: db.collection<DirectoryReferrerDocument>(names.directoryReferrers, options),
    directoryReferrals: db.collection<DirectoryReferralDocument>(names.directoryReferrals, options),
    exitedUsers: db.collection<ExitedUserDocument>(names.exitedUsers, options),
    enrollmentCursors: db.collection<EnrollmentCursorDocument>(names.enrollmentCursors, options),
    settings: db.collection<SettingsDocument>(names.settings, options),
  };
}
