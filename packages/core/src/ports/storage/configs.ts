import type { ReferrerConfig } from "../../model/referrer-config.js";

export type ReferrerConfigChanges = Partial<Omit<ReferrerConfig, "referrerUserId" | "createdAt">>;

export interface ReferrerConfigRepository {
  get(referrerUserId: string): Promise<ReferrerConfig | null>;
  getMany(referrerUserIds: readonly string[]): Promise<ReferrerConfig[]>;
  /**
   * The version check of a config read earlier: `"unchanged"` while its `updatedAt` is still
   * `since` (nothing else is read), the config when it changed, null when there is none. Every
   * update sets `updatedAt`, so a changed config is never taken for the one read.
   */
  getIfChanged(referrerUserId: string, since: Date): Promise<ReferrerConfig | null | "unchanged">;
  /** Atomic: inserts `initial` unless a config exists; returns the stored config either way. */
  getOrCreate(initial: ReferrerConfig): Promise<ReferrerConfig>;
  /**
   * Sets the given top-level fields; returns the new config, or null when there is none. With
   * `condition.updatedAt`, atomic compare-and-set: applies only while the stored `updatedAt` is
   * that instant (null otherwise), so a read-modify-write never overwrites a change made since.
   */
  update(referrerUserId: string, changes: ReferrerConfigChanges, condition?: { updatedAt: Date }): Promise<ReferrerConfig | null>;
  /**
   * Atomic: sets `failureNotifiedAt` only if it is null. True for the one caller that set it,
   * so a referrer is notified once per outage even with several dispatchers.
   */
  markFailureNotified(referrerUserId: string, at: Date): Promise<boolean>;
  /** Erasure: true when a config was deleted. */
  delete(referrerUserId: string): Promise<boolean>;
  /** Configs with `enabled`, not `enrollmentPaused`, `whatsapp.linkedAt` set and not logged out. */
  listEnrollable(): Promise<ReferrerConfig[]>;
}
