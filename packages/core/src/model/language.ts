/** A language code such as `fr` or `en` (lower-case ISO 639-1, optionally with a region). */
export type Language = string;

const LANGUAGE_PATTERN = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$/;

export function isLanguage(value: unknown): value is Language {
  return typeof value === "string" && LANGUAGE_PATTERN.test(value);
}

/** `fr-CA` → `fr`; the loop's templates are keyed by base language. */
export function baseLanguage(language: Language): Language {
  return language.split("-")[0]!.toLowerCase();
}
