import type { MediaItem, MessageDefinition, MessageRepository } from "@relance/core";
import type { Collection } from "mongodb";
import type { MessageDocument } from "./documents.js";
import { isDuplicateKey, wrap } from "./errors.js";

export function mongoMessages(messages: Collection<MessageDocument>): MessageRepository {
  const replace = (doc: MessageDocument, upsert: boolean) => messages.replaceOne({ _id: doc._id }, doc, { upsert });

  return {
    list: () =>
      wrap("messages.list", async () => (await messages.find({}).sort({ dayNumber: 1 }).toArray()).map(fromMessageDocument)),

    get: (dayNumber: number) =>
      wrap("messages.get", async () => {
        const doc = await messages.findOne({ _id: dayNumber });
        return doc ? fromMessageDocument(doc) : null;
      }),

    upsert: (message: MessageDefinition) =>
      wrap("messages.upsert", async () => {
        const doc = toMessageDocument(message);
        try {
          const result = await replace(doc, true);
          return { created: result.upsertedCount === 1, message: fromMessageDocument(doc) };
        } catch (error) {
          // A concurrent upsert inserted the day first: ours becomes a plain replace.
          if (!isDuplicateKey(error)) throw error;
          await replace(doc, false);
          return { created: false, message: fromMessageDocument(doc) };
        }
      }),

    delete: (dayNumber: number) =>
      wrap("messages.delete", async () => (await messages.deleteOne({ _id: dayNumber })).deletedCount === 1),
  };
}

function toMessageDocument(message: MessageDefinition): MessageDocument {
  return { _id: message.dayNumber, ...copyMessageFields(message) };
}

function fromMessageDocument(doc: MessageDocument): MessageDefinition {
  return copyMessageFields(doc);
}

function copyMedia(media: MediaItem[] | undefined): MediaItem[] {
  return (media ?? []).map((media) => {
    const item: MediaItem = { url: media.url, type: media.type, language: media.language };
    if (media.caption != null) item.caption = media.caption;
    return item;
  });
}

function copyMessageFields(source: MessageDefinition | MessageDocument): MessageDefinition {
  const message: MessageDefinition = {
    dayNumber: source.dayNumber,
    messageTemplate: { ...source.messageTemplate },
    mediaUrls: copyMedia(source.mediaUrls),
    active: source.active,
  };
  if (source.defaultWeight != null) message.defaultWeight = source.defaultWeight;
  if (source.variants != null) {
    message.variants = source.variants.map((v) => ({ key: v.key, messageTemplate: { ...v.messageTemplate }, mediaUrls: copyMedia(v.mediaUrls), weight: v.weight }));
  }
  if (source.updatedAt != null) message.updatedAt = source.updatedAt;
  return message;
}
