import { access, constants } from "node:fs/promises";
import { StorageError, type RelanceStorage } from "@relance/core";
import { Collection } from "./collection.js";
import { createFileConfigs } from "./configs.js";
import { createFileCounters } from "./counters.js";
import { createFileDirectory } from "./directory.js";
import { createFileDoNotContact } from "./do-not-contact.js";
import { createFileExitedUsers } from "./exited-users.js";
import { createFileLeases } from "./leases.js";
import { lockDataDir, type DataDirLock } from "./lock.js";
import { createFileMessages } from "./messages.js";
import { createFileSessions } from "./sessions.js";
import { createFileTargets } from "./targets.js";

export interface FileStorageOptions {
  /**
   * Created if missing; holds one `<collection>.db` file per collection, and `.relance.lock` while
   * a store has it open: a second store on it, in this process or another live one, is refused.
   */
  dataDir: string;
  /**
   * Flush every acknowledged write to disk (fsync) before resolving. Default true. Without it a
   * write survives a crash of the process but may be lost if the machine goes down.
   */
  fsync?: boolean;
  /** Rewrites the append-only files this often so they do not grow with every update. Default 1 h; 0 disables. */
  compactEveryMs?: number;
}

/**
 * Storage in local files through @seald-io/nedb, for one process. nedb keeps every collection in
 * this process's memory and serialises its operations there: that is what makes the atomic
 * operations atomic, and it means two processes on the same files would overwrite each other:
 * `init()` refuses a data directory that another live store holds (see `lock.ts`). Several
 * processes (or instances) need the MongoDB storage.
 */
export function createFileStorage(options: FileStorageOptions): RelanceStorage {
  const settings = { dataDir: options.dataDir, fsync: options.fsync ?? true };
  const collections = {
    configs: new Collection("configs", settings),
    messages: new Collection("messages", settings),
    targets: new Collection("targets", {
      ...settings,
      uniqueIndexes: [["referrerUserId", "referralUserId"]],
      indexes: ["referralUserId", "status"],
    }),
    counters: new Collection("counters", { ...settings, indexes: ["day"] }),
    doNotContact: new Collection("do-not-contact", settings),
    leases: new Collection("leases", settings),
    sessions: new Collection("sessions", { ...settings, indexes: ["sessionId"] }),
    directoryReferrers: new Collection("directory-referrers", settings),
    directoryReferrals: new Collection("directory-referrals", {
      ...settings,
      uniqueIndexes: [["referrerId", "userId"]],
      indexes: ["referrerId"],
    }),
    exitedUsers: new Collection("exited-users", settings),
  };
  const all = Object.values(collections);
  const compactEveryMs = options.compactEveryMs ?? 60 * 60 * 1000;
  let compaction: NodeJS.Timeout | null = null;
  /** Taken by `init()`, released by `close()`; shared by concurrent `init()` calls. */
  let lock: Promise<DataDirLock> | null = null;

  return {
    name: "file",

    async init() {
      const locking = (lock ??= lockDataDir(options.dataDir));
      try {
        await locking;
        for (const collection of all) await collection.open();
      } catch (error) {
        // A store that failed to open does not keep its directory from the next attempt.
        if (lock === locking) lock = null;
        await locking.then((held) => held.release()).catch(() => undefined);
        throw error;
      }
      if (compactEveryMs > 0 && !compaction) {
        compaction = setInterval(() => {
          // A failed compaction leaves the previous file whole; the next write reports real trouble.
          for (const collection of all) collection.compact().catch(() => undefined);
        }, compactEveryMs);
        compaction.unref();
      }
    },

    async ping() {
      for (const collection of all) await collection.findOne({ _id: "__ping__" });
      // Collections are served from memory: the disk is what can fail under them.
      await access(options.dataDir, constants.W_OK).catch((error: unknown) => {
        throw new StorageError(`[file] data directory ${options.dataDir} is not writable`, error);
      });
    },

    async close() {
      if (compaction) clearInterval(compaction);
      compaction = null;
      for (const collection of all) await collection.close();
      // Released only once every collection is closed: a failed close can be retried, still locked.
      const locking = lock;
      if (locking) {
        const held = await locking.catch(() => null);
        await held?.release();
        if (lock === locking) lock = null;
      }
    },

    configs: createFileConfigs(collections.configs),
    messages: createFileMessages(collections.messages),
    targets: createFileTargets(collections.targets),
    counters: createFileCounters(collections.counters),
    doNotContact: createFileDoNotContact(collections.doNotContact),
    leases: createFileLeases(collections.leases),
    sessions: createFileSessions(collections.sessions),
    directory: createFileDirectory(collections.directoryReferrers, collections.directoryReferrals),
    exitedUsers: createFileExitedUsers(collections.exitedUsers),
  };
}
