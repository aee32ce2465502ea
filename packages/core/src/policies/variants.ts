import { DEFAULT_VARIANT, type MessageDefinition, type MessageVariant } from "../model/message.js";
import { unitHash } from "./stable-hash.js";

/** The wording a target gets on a day: `key` null when the day has no variants. */
export interface ChosenVariant {
  key: string | null;
  /** The day's message with the variant's text and media in place of its own. */
  message: MessageDefinition;
}

/** Every variant of a day, `default` (the day's own text and media) first. Empty: no variants. */
export function variantsOf(message: MessageDefinition): MessageVariant[] {
  if (!message.variants || message.variants.length === 0) return [];
  return [
    { key: DEFAULT_VARIANT, messageTemplate: message.messageTemplate, mediaUrls: message.mediaUrls, weight: message.defaultWeight ?? 1 },
    ...message.variants,
  ];
}

/** The day's message as the given variant words it; null when the day has no such variant. */
export function messageOfVariant(message: MessageDefinition, key: string): MessageDefinition | null {
  if (key === DEFAULT_VARIANT) return message;
  const variant = message.variants?.find((v) => v.key === key);
  return variant ? { ...message, messageTemplate: variant.messageTemplate, mediaUrls: variant.mediaUrls } : null;
}

/**
 * Random by weight, yet a function of the target and the day alone: a retry, a restart after a
 * crash or another process sending the same day picks the same variant, without storing it first.
 */
export function chooseVariant(message: MessageDefinition, targetId: string, day: number): ChosenVariant {
  const variants = variantsOf(message);
  if (variants.length === 0) return { key: null, message };
  const total = variants.reduce((sum, v) => sum + v.weight, 0);
  let point = unitHash(`${targetId}:${day}`) * total;
  for (const variant of variants) {
    point -= variant.weight;
    if (point < 0) return { key: variant.key, message: messageOfVariant(message, variant.key)! };
  }
  const last = variants[variants.length - 1]!;
  return { key: last.key, message: messageOfVariant(message, last.key)! };
}

