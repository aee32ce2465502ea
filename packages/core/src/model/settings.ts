/** Service-wide settings an admin changes at run time (`/admin/settings`). */
export interface Settings {
  /** Share (in %) of new targets enrolled into the holdout group: never messaged. 0 = no holdout. */
  holdoutPercent: number;
}

/** What is stored: the settings an admin set, and when they last changed. */
export interface StoredSettings extends Partial<Settings> {
  updatedAt: Date;
}

export const DEFAULT_SETTINGS: Readonly<Settings> = Object.freeze({ holdoutPercent: 0 });

/** Beyond half, the "holdout" would be the main group: the referrers paid for relances. */
export const MAX_HOLDOUT_PERCENT = 50;

export function settingsOf(stored: StoredSettings | null): Settings {
  return { holdoutPercent: stored?.holdoutPercent ?? DEFAULT_SETTINGS.holdoutPercent };
}
