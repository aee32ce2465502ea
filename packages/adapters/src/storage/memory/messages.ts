import type { MessageDefinition, MessageRepository } from "@relance/core";

export function createMemoryMessages(): MessageRepository {
  const messages = new Map<number, MessageDefinition>();

  return {
    async list() {
      return [...messages.values()].sort((a, b) => a.dayNumber - b.dayNumber).map((m) => structuredClone(m));
    },

    async get(dayNumber) {
      const message = messages.get(dayNumber);
      return message ? structuredClone(message) : null;
    },

    async upsert(message) {
      const created = !messages.has(message.dayNumber);
      messages.set(message.dayNumber, structuredClone(message));
      return { created, message: structuredClone(message) };
    },

    async delete(dayNumber) {
      return messages.delete(dayNumber);
    },
  };
}
