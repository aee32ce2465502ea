import { createHmac, randomBytes } from "node:crypto";

/**
 * Phone numbers never reach a log line: a number (`+33612345678`) or a WhatsApp id
 * (`33612345678@s.whatsapp.net`, `…:12@s.whatsapp.net`, `…@c.us`, `…@lid`) becomes `ph:<10 hex>`,
 * a keyed hash: the same number reads the same within a process (lines can be correlated), and
 * the key, random per process, keeps the hash from being reversed by trying every number.
 */
const KEY = randomBytes(32);
const NUMBER = /\+\d{6,15}\b|(?<![\w])\d{6,20}(?=(?::\d+)?@)/g;

const hashOf = (number: string) => `ph:${createHmac("sha256", KEY).update(number.replace(/^\+/, "")).digest("hex").slice(0, 10)}`;

export function maskPhoneNumbers(text: string): string {
  return text.replace(NUMBER, hashOf);
}

/** A copy of `value` with every phone number in its strings masked (plain objects, arrays, errors). */
export function maskPersonalData(value: unknown, depth = 0): unknown {
  if (typeof value === "string") return maskPhoneNumbers(value);
  if (depth > 6 || typeof value !== "object" || value === null) return value;
  if (Array.isArray(value)) return value.map((item) => maskPersonalData(item, depth + 1));
  if (value instanceof Error) {
    const masked = new Error(maskPhoneNumbers(value.message));
    masked.name = value.name;
    masked.stack = value.stack === undefined ? undefined : maskPhoneNumbers(value.stack);
    return masked;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  return Object.fromEntries(Object.entries(value).map(([name, field]) => [name, maskPersonalData(field, depth + 1)]));
}
