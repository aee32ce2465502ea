import type { StoredSettings } from "../../model/settings.js";

/** The one service-wide settings record (`/admin/settings`). */
export interface SettingsRepository {
  /** The stored settings; null until an admin first set one. */
  get(): Promise<StoredSettings | null>;
  /**
   * Sets the given fields (others are kept), creating the record if needed; returns it. Two
   * admins changing different fields at once both keep their change.
   */
  update(changes: Omit<StoredSettings, "updatedAt">, at: Date): Promise<StoredSettings>;
}
