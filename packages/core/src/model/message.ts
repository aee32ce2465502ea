import type { Language } from "./language.js";

export type MediaType = "image" | "video" | "document" | "audio";
export const MEDIA_TYPES: readonly MediaType[] = ["image", "video", "document", "audio"];

/** A media attachment of a day's message, for one language or for every language (`both`). */
export interface MediaItem {
  url: string;
  type: MediaType;
  language: Language | "both";
  caption?: string;
}

/** Key of the variant made of a day's own `messageTemplate` and `mediaUrls`. */
export const DEFAULT_VARIANT = "default";
export const MIN_VARIANT_WEIGHT = 1;
export const MAX_VARIANT_WEIGHT = 100;
export const VARIANT_KEY_PATTERN = /^[a-z0-9_-]{1,20}$/;

/** Another wording of a day's message, sent to a share of the targets set by its weight. */
export interface MessageVariant {
  /** 1-20 of a-z 0-9 _ -; never `default`, which names the day's own text. */
  key: string;
  messageTemplate: Record<Language, string>;
  mediaUrls: MediaItem[];
  /** 1..100, relative to the other variants of the day (and `defaultWeight`). */
  weight: number;
}

/** The admin-defined message of one day of the loop. */
export interface MessageDefinition {
  dayNumber: number;
  /** Text per language, with `{{variable}}` placeholders. The default language is required. */
  messageTemplate: Record<Language, string>;
  mediaUrls: MediaItem[];
  active: boolean;
  /** Weight of the `default` variant (the fields above) when `variants` is not empty. Default 1. */
  defaultWeight?: number;
  /** The day's other variants; absent or empty: one message, as before variants existed. */
  variants?: MessageVariant[];
  updatedAt?: Date;
}

export const MIN_DAY_NUMBER = 1;
export const MAX_DAY_NUMBER = 30;

/** The loop's length: the highest active day. 0 when no message is active. */
export function totalDaysOf(messages: readonly MessageDefinition[]): number {
  return messages.reduce((max, m) => (m.active && m.dayNumber > max ? m.dayNumber : max), 0);
}
