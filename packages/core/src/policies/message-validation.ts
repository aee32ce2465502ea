import { ValidationError, type FieldIssue } from "../errors.js";
import { isLanguage } from "../model/language.js";
import {
  DEFAULT_VARIANT,
  MAX_DAY_NUMBER,
  MAX_VARIANT_WEIGHT,
  MEDIA_TYPES,
  MIN_DAY_NUMBER,
  MIN_VARIANT_WEIGHT,
  VARIANT_KEY_PATTERN,
  type MediaItem,
  type MessageDefinition,
  type MessageVariant,
} from "../model/message.js";
import { templateIssues } from "./template.js";

export interface MessageVariantInput {
  key: string;
  messageTemplate: Record<string, string>;
  mediaUrls?: MediaItem[];
  weight?: number;
}

export interface MessageInput {
  dayNumber: number;
  messageTemplate: Record<string, string>;
  mediaUrls?: MediaItem[];
  active?: boolean;
  /** Weight of the day's own text (variant `default`) beside `variants`. Default 1. */
  defaultWeight?: number;
  variants?: MessageVariantInput[];
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === "http:" || url.protocol === "https:";
  } catch {
    return false;
  }
}

/** Languages one message (or variant) may carry: bounds the work one save asks of the validator. */
export const MAX_TEMPLATE_LANGUAGES = 10;

/** Templates per language and media: the rules every variant of a day follows alike. */
function wordingIssues(templates: Record<string, string>, media: MediaItem[], defaultLanguage: string, prefix: string): FieldIssue[] {
  const issues: FieldIssue[] = [];
  if (Object.keys(templates).length > MAX_TEMPLATE_LANGUAGES) {
    issues.push({ path: `${prefix}messageTemplate`, message: `at most ${MAX_TEMPLATE_LANGUAGES} languages` });
    return issues;
  }
  if (typeof templates[defaultLanguage] !== "string" || templates[defaultLanguage]!.trim() === "") {
    issues.push({ path: `${prefix}messageTemplate.${defaultLanguage}`, message: `a template in the default language (${defaultLanguage}) is required` });
  }
  for (const [language, template] of Object.entries(templates)) {
    const path = `${prefix}messageTemplate.${language}`;
    if (!isLanguage(language)) issues.push({ path, message: "not a language code (e.g. fr, en)" });
    if (typeof template !== "string") {
      issues.push({ path, message: "must be a string" });
      continue;
    }
    if (template.length > 4096) issues.push({ path, message: "longer than 4096 characters" });
    issues.push(...templateIssues(template, path));
  }
  media.forEach((item, index) => {
    const path = `${prefix}mediaUrls.${index}`;
    if (!isHttpUrl(item.url)) issues.push({ path: `${path}.url`, message: "must be an http(s) URL" });
    if (!MEDIA_TYPES.includes(item.type)) issues.push({ path: `${path}.type`, message: `must be one of ${MEDIA_TYPES.join(", ")}` });
    if (item.language !== "both" && !isLanguage(item.language)) {
      issues.push({ path: `${path}.language`, message: 'must be a language code or "both"' });
    }
    if (item.caption !== undefined) issues.push(...templateIssues(item.caption, `${path}.caption`));
  });
  return issues;
}

function weightIssues(weight: number | undefined, path: string): FieldIssue[] {
  if (weight === undefined || (Number.isInteger(weight) && weight >= MIN_VARIANT_WEIGHT && weight <= MAX_VARIANT_WEIGHT)) return [];
  return [{ path, message: `must be an integer from ${MIN_VARIANT_WEIGHT} to ${MAX_VARIANT_WEIGHT}` }];
}

/**
 * Domain rules of an admin message, whatever edge it came through: day range, a template in the
 * default language, known variables only, media URLs and types — for the day's own text and for
 * every variant, whose keys are unique and never `default`. Returns the normalised record.
 */
export function validateMessage(input: MessageInput, defaultLanguage: string): MessageDefinition {
  const issues: FieldIssue[] = [];
  if (!Number.isInteger(input.dayNumber) || input.dayNumber < MIN_DAY_NUMBER || input.dayNumber > MAX_DAY_NUMBER) {
    issues.push({ path: "dayNumber", message: `must be an integer from ${MIN_DAY_NUMBER} to ${MAX_DAY_NUMBER}` });
  }
  const templates = input.messageTemplate ?? {};
  const media = input.mediaUrls ?? [];
  issues.push(...wordingIssues(templates, media, defaultLanguage, ""));
  issues.push(...weightIssues(input.defaultWeight, "defaultWeight"));
  const variants = input.variants ?? [];
  const keys = new Set<string>();
  variants.forEach((variant, index) => {
    const prefix = `variants.${index}.`;
    if (typeof variant.key !== "string" || !VARIANT_KEY_PATTERN.test(variant.key)) {
      issues.push({ path: `${prefix}key`, message: "must be 1-20 of a-z 0-9 _ -" });
    } else if (variant.key === DEFAULT_VARIANT) {
      issues.push({ path: `${prefix}key`, message: `"${DEFAULT_VARIANT}" names the day's own messageTemplate and mediaUrls` });
    } else if (keys.has(variant.key)) {
      issues.push({ path: `${prefix}key`, message: `duplicate key "${variant.key}"` });
    }
    keys.add(variant.key);
    issues.push(...wordingIssues(variant.messageTemplate ?? {}, variant.mediaUrls ?? [], defaultLanguage, prefix));
    issues.push(...weightIssues(variant.weight, `${prefix}weight`));
  });
  if (issues.length > 0) throw new ValidationError(`Invalid message for day ${input.dayNumber}`, issues);
  const message: MessageDefinition = {
    dayNumber: input.dayNumber,
    messageTemplate: { ...templates },
    mediaUrls: media.map((item) => ({ ...item })),
    active: input.active ?? true,
  };
  // A day without variants is stored exactly as before variants existed.
  if (variants.length > 0) {
    message.defaultWeight = input.defaultWeight ?? 1;
    message.variants = variants.map(
      (v): MessageVariant => ({ key: v.key, messageTemplate: { ...v.messageTemplate }, mediaUrls: (v.mediaUrls ?? []).map((item) => ({ ...item })), weight: v.weight ?? 1 }),
    );
  }
  return message;
}
