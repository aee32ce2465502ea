import type { SettingsRepository, StoredSettings } from "@relance/core";
import type { Collection } from "mongodb";
import type { SettingsDocument } from "./documents.js";
import { isDuplicateKey, wrap } from "./errors.js";

const ID = "settings";

function fromDocument(doc: SettingsDocument): StoredSettings {
  return { ...(doc.holdoutPercent !== undefined ? { holdoutPercent: doc.holdoutPercent } : {}), updatedAt: doc.updatedAt };
}

/** One document; an update `$set`s only the given fields (an upsert, one command). */
export function mongoSettings(settings: Collection<SettingsDocument>): SettingsRepository {
  return {
    get: () =>
      wrap("settings.get", async () => {
        const doc = await settings.findOne({ _id: ID });
        return doc ? fromDocument(doc) : null;
      }),

    update: (changes: Omit<StoredSettings, "updatedAt">, at: Date) =>
      wrap("settings.update", async () => {
        const set: Partial<SettingsDocument> = { updatedAt: at };
        if (changes.holdoutPercent !== undefined) set.holdoutPercent = changes.holdoutPercent;
        const write = () => settings.findOneAndUpdate({ _id: ID }, { $set: set }, { upsert: true, returnDocument: "after" });
        let doc: SettingsDocument | null;
        try {
          doc = await write();
        } catch (error) {
          // Two first updates at once: one inserted, the other now updates it.
          if (!isDuplicateKey(error)) throw error;
          doc = await write();
        }
        return fromDocument(doc!);
      }),
  };
}
