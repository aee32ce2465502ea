import { StorageError } from "@relance/core";
import type { StorageBackend } from "../../ports/storage-backend.js";
import { createMemoryConfigs } from "./configs.js";
import { createMemoryCounters, type CounterDays } from "./counters.js";
import { createMemoryDirectory } from "./directory.js";
import { createMemoryDoNotContact } from "./do-not-contact.js";
import { createMemoryEnrollmentCursors } from "./enrollment-cursors.js";
import { createMemoryExitedUsers } from "./exited-users.js";
import { createMemoryLeases } from "./leases.js";
import { createMemoryMessages } from "./messages.js";
import { createMemorySessions } from "./sessions.js";
import { createMemorySettings } from "./settings.js";
import { createMemoryTargets } from "./targets.js";

/**
 * Everything in this process's memory: tests, demos, single-process trials. Nothing survives
 * `close`. Each check-and-set runs without an `await` between its read and its write, which is
 * what makes the port's "atomic" operations atomic here. Values are cloned in and out so callers
 * never share objects with the store.
 */
export function createMemoryStorage(): StorageBackend {
  let closed = false;
  const counterDays: CounterDays = new Map();

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
    targets: createMemoryTargets(counterDays),
    counters: createMemoryCounters(counterDays),
    doNotContact: createMemoryDoNotContact(),
    leases: createMemoryLeases(),
    sessions: createMemorySessions(),
    directory: createMemoryDirectory(),
    exitedUsers: createMemoryExitedUsers(),
    enrollmentCursors: createMemoryEnrollmentCursors(),
    settings: createMemorySettings(),
  };
}
