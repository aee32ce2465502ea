import type { FieldIssue } from "../errors.js";
import { baseLanguage, type Language } from "../model/language.js";
import type { MediaItem, MessageDefinition } from "../model/message.js";

export const TEMPLATE_VARIABLES = ["name", "firstName", "referrerName", "day", "totalDays", "paymentLink"] as const;
export type TemplateVariable = (typeof TEMPLATE_VARIABLES)[number];
export type TemplateValues = Partial<Record<TemplateVariable, string | number | null>>;

// No whitespace quantifiers around the name: `\s*([^{}]*?)\s*` backtracked cubically on `{{` plus
// kilobytes of spaces (security review 2, M3: 39 s per template). `[^{}]*` can only run up to the
// next brace, so every start position scans its own stretch once: linear. The name is trimmed in code.
const PLACEHOLDER = /\{\{([^{}]*)\}\}/g;
const KNOWN = new Set<string>(TEMPLATE_VARIABLES);

/** Variable names a template uses, in order of first appearance. */
export function templateVariables(template: string): string[] {
  const names: string[] = [];
  for (const match of template.matchAll(PLACEHOLDER)) {
    const name = match[1]!.trim();
    if (!names.includes(name)) names.push(name);
  }
  return names;
}

/** Problems of one template: unknown variables (named), and braces that do not form a placeholder. */
export function templateIssues(template: string, path: string): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const unknown = templateVariables(template).filter((name) => !KNOWN.has(name));
  if (unknown.length > 0) {
    issues.push({ path, message: `unknown template variables: ${unknown.join(", ")} (known: ${TEMPLATE_VARIABLES.join(", ")})` });
  }
  const leftover = template.replace(PLACEHOLDER, "");
  if (leftover.includes("{{") || leftover.includes("}}")) {
    issues.push({ path, message: "malformed placeholder: use {{variable}}" });
  }
  return issues;
}

export function renderTemplate(template: string, values: TemplateValues): string {
  return template.replace(PLACEHOLDER, (_whole, name: string) => {
    const value = values[name.trim() as TemplateVariable];
    return value === undefined || value === null ? "" : String(value);
  });
}

/** First word of a full name: "Marie-Claire Dupont" → "Marie-Claire". */
export function firstNameOf(name: string): string {
  return name.trim().split(/\s+/)[0] ?? "";
}

export interface RenderedMessage {
  /** The language actually used (the target's, else the default). */
  language: Language;
  text: string;
  media: MediaItem[];
}

/**
 * Renders a day's message in the target's language, falling back to the default language, with
 * the media meant for that language or for both.
 */
export function renderDayMessage(
  message: MessageDefinition,
  language: Language,
  defaultLanguage: Language,
  values: TemplateValues,
): RenderedMessage {
  const wanted = [language, baseLanguage(language), defaultLanguage];
  const used = wanted.find((candidate) => typeof message.messageTemplate[candidate] === "string") ?? defaultLanguage;
  const template = message.messageTemplate[used] ?? "";
  const media = message.mediaUrls
    .filter((item) => item.language === "both" || item.language === used)
    .map((item) => (item.caption === undefined ? item : { ...item, caption: renderTemplate(item.caption, values) }));
  return { language: used, text: renderTemplate(template, values), media };
}
