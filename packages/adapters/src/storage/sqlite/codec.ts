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
  // A walk after a plain parse, not a reviver: V8's reviver path is several times slower, and a
  // dispatch run decodes the target every write returns.
  return revive(JSON.parse(text)) as T;
}

function revive(value: unknown): unknown {
  if (typeof value !== "object" || value === null) return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = revive(value[i]);
    return value;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  if (keys.length === 1 && keys[0] === "$date" && typeof record.$date === "number") return new Date(record.$date);
  for (const key of keys) {
    const field = record[key];
    if (typeof field !== "object" || field === null) continue;
    // A key named `__proto__` is defined, not assigned: it stays a plain field, as JSON.parse made it.
    if (key === "__proto__") Object.defineProperty(record, key, { value: revive(field), writable: true, enumerable: true, configurable: true });
    else record[key] = revive(field);
  }
  return record;
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
