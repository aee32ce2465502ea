export interface Lease {
  name: string;
  owner: string;
  expiresAt: Date;
}

/** Named, expiring locks: one process drives a WhatsApp session (or a sender's queue) at a time. */
export interface LeaseRepository {
  /**
   * Atomic: takes the lease if it is free, expired, or already held by `owner` (which renews
   * it). True when `owner` holds it afterwards, until `now + ttlMs`.
   */
  acquire(name: string, owner: string, now: Date, ttlMs: number): Promise<boolean>;
  /** Releases it if `owner` holds it. True when released. */
  release(name: string, owner: string): Promise<boolean>;
  get(name: string): Promise<Lease | null>;
}
