import type { Lease, LeaseRepository } from "@relance/core";
import type { Collection } from "./collection.js";
import { fromDocument } from "./documents.js";

export function createFileLeases(leases: Collection): LeaseRepository {
  async function takeIfFreeOrOwn(name: string, owner: string, now: Date, expiresAt: Date): Promise<boolean> {
    const doc = await leases.updateOne(
      { _id: name, $or: [{ owner }, { expiresAt: { $lte: now } }] },
      { $set: { owner, expiresAt } },
    );
    return doc !== null;
  }

  return {
    async acquire(name, owner, now, ttlMs) {
      const expiresAt = new Date(now.getTime() + ttlMs);
      if (await takeIfFreeOrOwn(name, owner, now, expiresAt)) return true;
      if (await leases.insert({ _id: name, name, owner, expiresAt })) return true;
      // Someone inserted it in between; it may be this same owner from a concurrent call.
      return takeIfFreeOrOwn(name, owner, now, expiresAt);
    },

    async release(name, owner) {
      return (await leases.remove({ _id: name, owner })) > 0;
    },

    async get(name) {
      const doc = await leases.findOne({ _id: name });
      return doc ? fromDocument<Lease>(doc) : null;
    },
  };
}
