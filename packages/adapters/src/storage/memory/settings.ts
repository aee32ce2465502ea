import type { SettingsRepository, StoredSettings } from "@relance/core";

export function createMemorySettings(): SettingsRepository {
  let stored: StoredSettings | null = null;
  return {
    async get() {
      return stored ? structuredClone(stored) : null;
    },
    async update(changes, at) {
      const defined = Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined));
      stored = { ...(stored ?? {}), ...structuredClone(defined), updatedAt: new Date(at) };
      return structuredClone(stored);
    },
  };
}
