import type { ReferrerConfig, ReferrerConfigChanges, ReferrerConfigRepository } from "@relance/core";
import type { Collection } from "mongodb";
import type { ConfigDocument } from "./documents.js";
import { isDuplicateKey, wrap } from "./errors.js";

export function mongoConfigs(configs: Collection<ConfigDocument>): ReferrerConfigRepository {
  const get = async (referrerUserId: string) => {
    const doc = await configs.findOne({ _id: referrerUserId });
    return doc ? fromConfigDocument(doc) : null;
  };

  return {
    get: (referrerUserId: string) => wrap("configs.get", () => get(referrerUserId)),

    getIfChanged: (referrerUserId: string, since: Date) =>
      wrap("configs.getIfChanged", async () => {
        // The version only; the whole document in a second read when it moved (rare).
        const version = await configs.findOne({ _id: referrerUserId }, { projection: { updatedAt: 1 } });
        if (!version) return null;
        if (version.updatedAt instanceof Date && version.updatedAt.getTime() === since.getTime()) return "unchanged" as const;
        return get(referrerUserId);
      }),

    getMany: (referrerUserIds: readonly string[]) =>
      wrap("configs.getMany", async () => {
        if (referrerUserIds.length === 0) return [];
        const docs = await configs.find({ _id: { $in: [...referrerUserIds] } }).toArray();
        return docs.map(fromConfigDocument);
      }),

    getOrCreate: (initial: ReferrerConfig) =>
      wrap("configs.getOrCreate", async () => {
        // One upsert that writes nothing when the config exists (no E11000 per referrer per run).
        const { _id, ...fields } = toConfigDocument(initial);
        try {
          const doc = await configs.findOneAndUpdate({ _id }, { $setOnInsert: fields }, { upsert: true, returnDocument: "after" });
          if (doc) return fromConfigDocument(doc);
        } catch (error) {
          // Two first upserts of the same referrer at once: one inserted, the other reads it.
          if (!isDuplicateKey(error)) throw error;
        }
        // Configs are never deleted, so the one that beat us is there to read (on the primary).
        const existing = await get(initial.referrerUserId);
        if (!existing) throw new Error(`config ${initial.referrerUserId} reported as duplicate but not found`);
        return existing;
      }),

    update: (referrerUserId: string, changes: ReferrerConfigChanges, condition?: { updatedAt: Date }) =>
      wrap("configs.update", async () => {
        const set = configChanges(changes);
        if (Object.keys(set).length === 0) return get(referrerUserId);
        // The condition sits in the filter: the server checks it against the document it writes.
        const filter = condition ? { _id: referrerUserId, updatedAt: condition.updatedAt } : { _id: referrerUserId };
        const doc = await configs.findOneAndUpdate(filter, { $set: set }, { returnDocument: "after" });
        return doc ? fromConfigDocument(doc) : null;
      }),

    markFailureNotified: (referrerUserId: string, at: Date) =>
      wrap("configs.markFailureNotified", async () => {
        const result = await configs.updateOne({ _id: referrerUserId, failureNotifiedAt: null }, { $set: { failureNotifiedAt: at } });
        return result.modifiedCount === 1;
      }),

    delete: (referrerUserId: string) => wrap("configs.delete", async () => (await configs.deleteOne({ _id: referrerUserId })).deletedCount === 1),

    listEnrollable: () =>
      wrap("configs.listEnrollable", async () => {
        const docs = await configs
          .find({
            enabled: true,
            enrollmentPaused: false,
            "whatsapp.linkedAt": { $ne: null },
            "whatsapp.status": { $ne: "logged_out" },
          })
          .sort({ _id: 1 })
          .toArray();
        return docs.map(fromConfigDocument);
      }),
  };
}

function toConfigDocument(config: ReferrerConfig): ConfigDocument {
  return { _id: config.referrerUserId, ...copyConfigFields(config) };
}

function fromConfigDocument(doc: ConfigDocument): ReferrerConfig {
  return copyConfigFields(doc);
}

/** The model's fields only, with fresh nested objects: stored and returned values never alias. */
function copyConfigFields(source: ReferrerConfig | ConfigDocument): ReferrerConfig {
  return {
    referrerUserId: source.referrerUserId,
    enabled: source.enabled,
    enrollmentPaused: source.enrollmentPaused,
    sendingPaused: source.sendingPaused,
    timezone: source.timezone,
    sendWindow: { start: source.sendWindow.start, end: source.sendWindow.end },
    whatsapp: {
      status: source.whatsapp.status,
      phone: source.whatsapp.phone ?? null,
      linkedAt: source.whatsapp.linkedAt ?? null,
      lastError: source.whatsapp.lastError ?? null,
      updatedAt: source.whatsapp.updatedAt,
    },
    failureNotifiedAt: source.failureNotifiedAt ?? null,
    disconnectedByReferrerAt: source.disconnectedByReferrerAt ?? null,
    restriction: source.restriction ? copyRestriction(source.restriction) : null,
    // Absent on older records (and on configs created without it): left absent.
    ...(source.healthHold !== undefined ? { healthHold: source.healthHold ? copyHealthHold(source.healthHold) : null } : {}),
    ...(source.onReply ? { onReply: source.onReply } : {}),
    createdAt: source.createdAt,
    updatedAt: source.updatedAt,
  };
}

function configChanges(changes: ReferrerConfigChanges): Partial<ConfigDocument> {
  const set: Partial<ConfigDocument> = {};
  if (changes.enabled !== undefined) set.enabled = changes.enabled;
  if (changes.enrollmentPaused !== undefined) set.enrollmentPaused = changes.enrollmentPaused;
  if (changes.sendingPaused !== undefined) set.sendingPaused = changes.sendingPaused;
  if (changes.timezone !== undefined) set.timezone = changes.timezone;
  if (changes.sendWindow !== undefined) set.sendWindow = { start: changes.sendWindow.start, end: changes.sendWindow.end };
  if (changes.whatsapp !== undefined) set.whatsapp = { ...changes.whatsapp };
  if (changes.failureNotifiedAt !== undefined) set.failureNotifiedAt = changes.failureNotifiedAt;
  if (changes.disconnectedByReferrerAt !== undefined) set.disconnectedByReferrerAt = changes.disconnectedByReferrerAt;
  if (changes.restriction !== undefined) set.restriction = changes.restriction ? copyRestriction(changes.restriction) : null;
  if (changes.healthHold !== undefined) set.healthHold = changes.healthHold ? copyHealthHold(changes.healthHold) : null;
  if (changes.onReply !== undefined) set.onReply = changes.onReply;
  if (changes.updatedAt !== undefined) set.updatedAt = changes.updatedAt;
  return set;
}

function copyRestriction(restriction: NonNullable<ReferrerConfig["restriction"]>): NonNullable<ReferrerConfig["restriction"]> {
  return { reason: restriction.reason, until: restriction.until ?? null, since: restriction.since, notifiedAt: restriction.notifiedAt ?? null };
}

function copyHealthHold(hold: NonNullable<ReferrerConfig["healthHold"]>): NonNullable<ReferrerConfig["healthHold"]> {
  return { heldSince: hold.heldSince ?? null, reason: hold.reason ?? null, judgeFrom: hold.judgeFrom ?? null };
}
