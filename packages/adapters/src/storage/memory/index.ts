import { StorageError, type RelanceStorage } from "@relance/core";
import { createMemoryConfigs } from "./configs";
import { createMemoryCounters } from "./counters";
import { createMemoryDirectory } from "./directory";
import { createMemoryDoNotContact } from "./do-not-contact";
import { createMemoryEnrollmentCursors } from "./enrollment-cursors";
import { createMemoryExitedUsers } from "./exited-users";
import { createMemoryLeases } from "./leases";
import { createMemoryMessages } from "./messages";
import { createMemorySessions } from "./sessions";
import { createMemoryTargets } from "./targets";

/**
 * Everything in this process's memory: tests, demos, single-process trials. Nothing survives
 * `close`. Each check-and-set runs without an `await` between its read and its write, which is
 * what makes the port's "atomic" operations atomic here. Values are cloned in and out so callers
 * never share objects with the store.
 */
export function createMemoryStorage(): RelanceStorage {
  let closed = false;

  return {
    name: "memory",
    async init() {
      closed = false;
    },
    async ping() {
      if (closed) throw new StorageError("[memory] storage is closed");
    },
    async close() {
      closed = true;
    },
    configs: createMemoryConfigs(),
    messages: createMemoryMessages(),
    targets: createMemoryTargets(),
    counters: createMemoryCounters(),
    doNotContact: createMemoryDoNotContact(),
    leases: createMemoryLeases(),
    sessions: createMemorySessions(),
    directory: createMemoryDirectory(),
    exitedUsers: createMemoryExitedUsers(),
    enrollmentCursors: createMemoryEnrollmentCursors(),
  };
}
