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

/** The admin-defined message of one day of the loop. */
export interface MessageDefinition {
  dayNumber: number;
  /** Text per language, with `{{variable}}` placeholders. The default language is required. */
  messageTemplate: Record<Language, string>;
  mediaUrls: MediaItem[];
  active: boolean;
  updatedAt?: Date;
}

export const MIN_DAY_NUMBER = 1;
export const MAX_DAY_NUMBER = 30;

/** The loop's length: the highest active day. 0 when no message is active. */
export function totalDaysOf(messages: readonly MessageDefinition[]): number {
  return messages.reduce((max, m) => (m.active && m.dayNumber > max ? m.dayNumber : max), 0);
}
