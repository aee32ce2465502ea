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

    async listExitedBefore(before, after, limit) {
      return [...entries.values()]
        .filter((entry) => entry.exitedAt < before && (after === null || entry.userId > after))
        .map((entry) => entry.userId)
        .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
        .slice(0, limit);
    },
  };
}
