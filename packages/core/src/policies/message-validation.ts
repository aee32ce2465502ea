import { ValidationError, type FieldIssue } from "../errors.js";
import { isLanguage } from "../model/language.js";
import { MAX_DAY_NUMBER, MEDIA_TYPES, MIN_DAY_NUMBER, type MediaItem, type MessageDefinition } from "../model/message.js";
import { templateIssues } from "./template.js";

export interface MessageInput {
  dayNumber: number;
  messageTemplate: Record<string, string>;
  mediaUrls?: MediaItem[];
  active?: boolean;
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === "http:" || url.protocol === "https:";
  } catch {
    return false;
  }
}

/**
 * Domain rules of an admin message, whatever edge it came through: day range, a template in the
 * default language, known variables only, media URLs and types. Returns the normalised record.
 */
export function validateMessage(input: MessageInput, defaultLanguage: string): MessageDefinition {
  const issues: FieldIssue[] = [];
  if (!Number.isInteger(input.dayNumber) || input.dayNumber < MIN_DAY_NUMBER || input.dayNumber > MAX_DAY_NUMBER) {
    issues.push({ path: "dayNumber", message: `must be an integer from ${MIN_DAY_NUMBER} to ${MAX_DAY_NUMBER}` });
  }
  const templates = input.messageTemplate ?? {};
  if (typeof templates[defaultLanguage] !== "string" || templates[defaultLanguage]!.trim() === "") {
    issues.push({ path: `messageTemplate.${defaultLanguage}`, message: `a template in the default language (${defaultLanguage}) is required` });
  }
  for (const [language, template] of Object.entries(templates)) {
    const path = `messageTemplate.${language}`;
    if (!isLanguage(language)) issues.push({ path, message: "not a language code (e.g. fr, en)" });
    if (typeof template !== "string") {
      issues.push({ path, message: "must be a string" });
      continue;
    }
    if (template.length > 4096) issues.push({ path, message: "longer than 4096 characters" });
    issues.push(...templateIssues(template, path));
  }
  const media = input.mediaUrls ?? [];
  media.forEach((item, index) => {
    const path = `mediaUrls.${index}`;
    if (!isHttpUrl(item.url)) issues.push({ path: `${path}.url`, message: "must be an http(s) URL" });
    if (!MEDIA_TYPES.includes(item.type)) issues.push({ path: `${path}.type`, message: `must be one of ${MEDIA_TYPES.join(", ")}` });
    if (item.language !== "both" && !isLanguage(item.language)) {
      issues.push({ path: `${path}.language`, message: 'must be a language code or "both"' });
    }
    if (item.caption !== undefined) issues.push(...templateIssues(item.caption, `${path}.caption`));
  });
  if (issues.length > 0) throw new ValidationError(`Invalid message for day ${input.dayNumber}`, issues);
  return {
    dayNumber: input.dayNumber,
    messageTemplate: { ...templates },
    mediaUrls: media.map((item) => ({ ...item })),
    active: input.active ?? true,
  };
}
