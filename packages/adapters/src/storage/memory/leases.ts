import type { Lease, LeaseRepository } from "@relance/core";

export function createMemoryLeases(): LeaseRepository {
  const leases = new Map<string, Lease>();

  return {
    async acquire(name, owner, now, ttlMs) {
      const current = leases.get(name);
      const free = !current || current.owner === owner || current.expiresAt.getTime() <= now.getTime();
      if (!free) return false;
      leases.set(name, { name, owner, expiresAt: new Date(now.getTime() + ttlMs) });
      return true;
    },

    async release(name, owner) {
      if (leases.get(name)?.owner !== owner) return false;
      return leases.delete(name);
    },

    async get(name) {
      const lease = leases.get(name);
      return lease ? structuredClone(lease) : null;
    },
  };
}
