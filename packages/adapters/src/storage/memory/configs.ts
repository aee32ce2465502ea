import { isLinked, type ReferrerConfig, type ReferrerConfigChanges, type ReferrerConfigRepository } from "@relance/core";

export function createMemoryConfigs(): ReferrerConfigRepository {
  const configs = new Map<string, ReferrerConfig>();

  return {
    async get(referrerUserId) {
      const config = configs.get(referrerUserId);
      return config ? structuredClone(config) : null;
    },

    async getIfChanged(referrerUserId, since) {
      const config = configs.get(referrerUserId);
      if (!config) return null;
      return config.updatedAt.getTime() === since.getTime() ? "unchanged" : structuredClone(config);
    },

    async getMany(referrerUserIds) {
      return referrerUserIds.flatMap((id) => {
        const config = configs.get(id);
        return config ? [structuredClone(config)] : [];
      });
    },

    async getOrCreate(initial) {
      const existing = configs.get(initial.referrerUserId);
      if (existing) return structuredClone(existing);
      configs.set(initial.referrerUserId, structuredClone(initial));
      return structuredClone(initial);
    },

    async update(referrerUserId, changes: ReferrerConfigChanges, condition?: { updatedAt: Date }) {
      const existing = configs.get(referrerUserId);
      if (!existing) return null;
      if (condition && existing.updatedAt.getTime() !== condition.updatedAt.getTime()) return null;
      const defined = Object.entries(structuredClone(changes)).filter(
        ([key, value]) => value !== undefined && key !== "referrerUserId" && key !== "createdAt",
      );
      const next: ReferrerConfig = { ...existing, ...Object.fromEntries(defined) };
      configs.set(referrerUserId, next);
      return structuredClone(next);
    },

    async markFailureNotified(referrerUserId, at) {
      const existing = configs.get(referrerUserId);
      if (!existing || existing.failureNotifiedAt !== null) return false;
      existing.failureNotifiedAt = new Date(at);
      return true;
    },

    async delete(referrerUserId) {
      return configs.delete(referrerUserId);
    },

    async listEnrollable() {
      return [...configs.values()]
        .filter((c) => c.enabled && !c.enrollmentPaused && isLinked(c))
        .map((c) => structuredClone(c));
    },
  };
}
