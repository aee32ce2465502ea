/**
 * Documents are stored as JSON text. JSON has no dates, so a `Date` is written as
 * `{"$date": <epoch ms>}` and read back as a `Date`: any field, including ones added later,
 * keeps its type without the adapter knowing it. SQL reads a date with the path
 * `$.field."$date"`, a plain number that compares and indexes as an instant.
 */
export function encode(value: unknown): string {
  return JSON.stringify(value, function (this: Record<string, unknown>, key: string, encoded: unknown) {
    const original = this[key];
    return original instanceof Date ? { $date: original.getTime() } : encoded;
  });
}

export function decode<T>(text: string): T {
  return JSON.parse(text, (_key, value: unknown) => {
    if (typeof value === "object" && value !== null && !Array.isArray(value)) {
      const record = value as Record<string, unknown>;
      if (typeof record.$date === "number" && Object.keys(record).length === 1) return new Date(record.$date);
    }
    return value;
  }) as T;
}

/** A top-level field's JSON path, quoted so that any field name is taken literally. */
export function fieldPath(field: string): string {
  return `'$."${field.replace(/"/g, '""').replace(/'/g, "''")}"'`;
}

/**
 * `json_set(doc, '$."a"', json(?), ...)` over the defined fields of `changes`, with its
 * parameters: one SQL expression that rewrites those top-level fields in place.
 */
export function setFields(column: string, changes: Record<string, unknown>): { sql: string; params: string[] } {
  const entries = Object.entries(changes).filter(([, value]) => value !== undefined);
  if (entries.length === 0) return { sql: column, params: [] };
  const pairs = entries.map(([field]) => `${fieldPath(field)}, json(?)`).join(", ");
  return { sql: `json_set(${column}, ${pairs})`, params: entries.map(([, value]) => encode(value)) };
}
