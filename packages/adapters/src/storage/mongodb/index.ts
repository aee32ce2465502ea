import type { StorageBackend } from "../../ports/storage-backend.js";
import type { Db, MongoClient } from "mongodb";
import { openCollections, resolveCollectionNames, type CollectionNames } from "./collections.js";
import { mongoConfigs } from "./configs.js";
import { mongoCounters } from "./counters.js";
import { mongoDirectory, mongoEnrollmentCursors } from "./directory.js";
import { mongoDoNotContact } from "./do-not-contact.js";
import { wrap } from "./errors.js";
import { mongoExitedUsers } from "./exited-users.js";
import { ensureIndexes } from "./indexes.js";
import { mongoLeases } from "./leases.js";
import { mongoMessages } from "./messages.js";
import { mongoSessions } from "./sessions.js";
import { mongoSettings } from "./settings.js";
import { mongoTargets } from "./targets.js";
import { ClockSkewWatch } from "./clock-skew.js";

export { DEFAULT_COLLECTION_NAMES, type CollectionKey, type CollectionNames } from "./collections.js";
export { measureClockSkew } from "./clock-skew.js";
export { INDEXES, OBSOLETE_INDEXES, type IndexDefinition } from "./indexes.js";

/** The driver is the caller's: this adapter never creates a client of its own. */
export type MongoStorageSource = { db: Db } | { client: MongoClient; dbName?: string };

export interface MongoStorageOptions {
  /** Collection names to use instead of {@link DEFAULT_COLLECTION_NAMES}. */
  collections?: Partial<CollectionNames>;
  /** Close the client in `close()`. Off by default: whoever created the client closes it. */
  closeClient?: boolean;
  /**
   * The pushed directory's incremental listing returns again what changed in the last
   * `directoryChangeLagMs` before its cursor (default 60 000): referrals are stamped with their
   * writer's clock, so a write stamped a little earlier but visible a little later is not missed.
   */
  directoryChangeLagMs?: number;
  /**
   * Told when this process's clock and the server's differ by more than `maxClockSkewMs`
   * (default 2 000), checked on `init()` and at most every 10 minutes on `ping()`. Instances
   * compare each other's instants (leases, claims, daily counters): see docs/storage.md, "Clocks".
   */
  onClockSkew?: (skewMs: number, maxSkewMs: number) => void;
  maxClockSkewMs?: number;
}

/**
 * `RelanceStorage` on MongoDB. Every atomic operation is one single-document command (no
 * transactions, change streams or pipeline updates), so it also runs on a standalone server.
 */
export function createMongoStorage(source: MongoStorageSource, options: MongoStorageOptions = {}): StorageBackend {
  const db = "db" in source ? source.db : source.client.db(source.dbName);
  const client = "db" in source ? source.db.client : source.client;
  const collections = openCollections(db, resolveCollectionNames(options.collections));
  const skew = options.onClockSkew ? new ClockSkewWatch(db, options.onClockSkew, options.maxClockSkewMs ?? 2_000) : null;

  const counters = mongoCounters(collections.counters);

  return {
    name: "mongodb",
    init: () =>
      wrap("init", async () => {
        await ensureIndexes(collections);
        await skew?.check(true);
      }),
    ping: () =>
      wrap("ping", async () => {
        await db.command({ ping: 1 });
        void skew?.check();
      }),
    close: () =>
      wrap("close", async () => {
        if (options.closeClient) await client.close();
      }),
    configs: mongoConfigs(collections.configs),
    messages: mongoMessages(collections.messages),
    targets: mongoTargets(collections.targets, counters),
    counters,
    doNotContact: mongoDoNotContact(collections.doNotContact),
    leases: mongoLeases(collections.leases),
    sessions: mongoSessions(collections.sessions),
    directory: mongoDirectory(collections.directoryReferrers, collections.directoryReferrals, options.directoryChangeLagMs ?? 60_000),
    exitedUsers: mongoExitedUsers(collections.exitedUsers),
    enrollmentCursors: mongoEnrollmentCursors(collections.enrollmentCursors),
    settings: mongoSettings(collections.settings),
  };
}
