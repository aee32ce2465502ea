import type { FileDocument } from "./collection.js";

/**
 * Domain object ↔ stored document. Cloned both ways: nedb hands out the Date instances of its
 * cache, which a caller could otherwise mutate.
 */
export function toDocument(key: string, value: object, keyField?: string): FileDocument {
  const fields = structuredClone(value) as Record<string, unknown>;
  if (keyField !== undefined) delete fields[keyField];
  return { ...fields, _id: key };
}

/** With `keyField`, `_id` comes back under that name; otherwise it is dropped. */
export function fromDocument<T>(doc: FileDocument, keyField?: string): T {
  const { _id, ...fields } = structuredClone(doc);
  return (keyField !== undefined ? { [keyField]: _id, ...fields } : fields) as T;
}

/** Top-level fields to `$set`, leaving out the ones given as undefined. */
export function definedFields(changes: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(structuredClone(changes)).filter(([, value]) => value !== undefined));
}
