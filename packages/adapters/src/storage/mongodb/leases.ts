import type { Lease, LeaseRepository } from "@relance/core";
import type { Collection } from "mongodb";
import type { LeaseDocument } from "./documents.js";
import { isDuplicateKey, wrap } from "./errors.js";

export function mongoLeases(leases: Collection<LeaseDocument>): LeaseRepository {
  return {
    acquire: (name: string, owner: string, now: Date, ttlMs: number) =>
      wrap("leases.acquire", async () => {
        const filter = { _id: name, $or: [{ owner }, { expiresAt: { $lte: now } }] };
        const take = { $set: { owner, expiresAt: new Date(now.getTime() + ttlMs) } };
        try {
          return (await leases.findOneAndUpdate(filter, take, { upsert: true, returnDocument: "after" })) !== null;
        } catch (error) {
          if (!isDuplicateKey(error)) throw error;
        }
        // The upsert collided on `_id`: the lease exists, live and someone else's, or created just
        // now by a concurrent call (maybe ours). Only the existing document can decide which.
        return (await leases.findOneAndUpdate(filter, take, { returnDocument: "after" })) !== null;
      }),

    release: (name: string, owner: string) =>
      wrap("leases.release", async () => (await leases.deleteOne({ _id: name, owner })).deletedCount === 1),

    get: (name: string) =>
      wrap("leases.get", async (): Promise<Lease | null> => {
        const doc = await leases.findOne({ _id: name });
        return doc ? { name: doc._id, owner: doc.owner, expiresAt: doc.expiresAt } : null;
      }),
  };
}
