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
  TargetDocument,
} from "./documents";

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
  | "enrollmentCursors";

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
}

export function resolveCollectionNames(overrides: Partial<CollectionNames> = {}): CollectionNames {
  const names = { ...DEFAULT_COLLECTION_NAMES };
  for (const key of Object.keys(names) as CollectionKey[]) {
    const name = overrides[key];
    if (name !== undefined) names[key] = name;
  }
  return names;
}

export function openCollections(db: Db, names: CollectionNames): MongoCollections {
  // Optional model fields that are absent must stay absent, not become BSON nulls.
  const options = { ignoreUndefined: true };
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
  };
}
