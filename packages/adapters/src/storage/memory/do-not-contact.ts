import type { DoNotContactEntry, DoNotContactRepository, E164 } from "@relance/core";

export function createMemoryDoNotContact(): DoNotContactRepository {
  const entries = new Map<E164, DoNotContactEntry>();

  return {
    async add(entry) {
      if (!entries.has(entry.phone)) entries.set(entry.phone, structuredClone(entry));
    },

    async has(phone) {
      return entries.has(phone);
    },

    async filterListed(phones) {
      return new Set(phones.filter((phone) => entries.has(phone)));
    },

    async remove(phone) {
      return entries.delete(phone);
    },
  };
}
