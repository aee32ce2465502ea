import type { MessageDefinition, MessageRepository } from "@relance/core";
import type { Collection } from "./collection.js";
import { fromDocument, toDocument } from "./documents.js";

/** One document per day, keyed by the day number as a string (`dayNumber` is kept as a field). */
export function createFileMessages(messages: Collection): MessageRepository {
  const key = (dayNumber: number) => String(dayNumber);

  return {
    async list() {
      return (await messages.find({}, { sort: { dayNumber: 1 } })).map((doc) => fromDocument<MessageDefinition>(doc));
    },

    async get(dayNumber) {
      const doc = await messages.findOne({ _id: key(dayNumber) });
      return doc ? fromDocument<MessageDefinition>(doc) : null;
    },

    async upsert(message) {
      const created = await messages.replaceOrInsert(toDocument(key(message.dayNumber), message));
      return { created, message: structuredClone(message) };
    },

    async delete(dayNumber) {
      return (await messages.remove({ _id: key(dayNumber) })) > 0;
    },
  };
}
