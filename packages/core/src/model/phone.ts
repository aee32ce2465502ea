/** A phone number in E.164 form: `+` then 8 to 15 digits, no leading zero. */
export type E164 = string;

const E164_PATTERN = /^\+[1-9]\d{7,14}$/;

export function isE164(value: unknown): value is E164 {
  return typeof value === "string" && E164_PATTERN.test(value);
}

/**
 * Normalises common spellings (`+33 6 12-34-56-78`, `0033612345678`) to E.164, or returns null.
 * Numbers without an international prefix are refused: we never guess a country.
 */
export function normalizePhone(raw: string): E164 | null {
  const compact = raw.trim().replace(/[\s.\-()]/g, "");
  const withPlus = compact.startsWith("00") ? `+${compact.slice(2)}` : compact;
  return isE164(withPlus) ? withPlus : null;
}

/** Digits only, the form WhatsApp libraries address people with. */
export function phoneDigits(phone: E164): string {
  return phone.replace(/^\+/, "");
}
