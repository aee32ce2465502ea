import type { ExitedUser, ExitedUserRepository } from "@relance/core";

export function createMemoryExitedUsers(): ExitedUserRepository {
  const entries = new Map<string, ExitedUser>();

  return {
    async record(entry) {
      if (!entries.has(entry.userId)) entries.set(entry.userId, structuredClone(entry));
    },

    async get(userId) {
      const entry = entries.get(userId);
      return entry ? structuredClone(entry) : null;
    },

    async filterExited(userIds) {
      return new Set(userIds.filter((userId) => entries.has(userId)));
    },
  };
}
