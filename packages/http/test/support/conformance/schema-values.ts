import fc from "fast-check";
import { Ajv2020 } from "ajv/dist/2020.js";

// JSON Schema (the subset an OpenAPI 3.1 document uses) → fast-check arbitraries. Nothing here
// knows a route: every value comes from the schema the served /openapi.json documents.

export type Schema = Record<string, any>;
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const MAX_ITEMS = 3;
const MAX_KEYS = 3;
const MAX_STRING = 24;
const ANNOTATIONS = new Set(["description", "examples", "example", "title", "default", "deprecated", "readOnly", "writeOnly"]);

const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: false });
const compiled = new WeakMap<object, (value: unknown) => boolean>();

/** Whether `value` is valid under `schema` (compiled once per schema object). */
export function conforms(schema: Schema, value: unknown): boolean {
  let validate = compiled.get(schema);
  if (!validate) {
    const check = ajv.compile(schema);
    validate = (v) => check(v) as boolean;
    compiled.set(schema, validate);
  }
  return validate(value);
}

/** Why `value` is not valid under `schema`, or null. */
export function whyNot(schema: Schema, value: unknown): string | null {
  return ajv.validate(schema, value) ? null : ajv.errorsText(ajv.errors);
}

const hasLookaround = (pattern: string) => /\(\?[=!<]/.test(pattern);

function stringOf(schema: Schema): fc.Arbitrary<string> {
  const min = schema.minLength ?? 0;
  const max = schema.maxLength ?? Math.max(min, MAX_STRING);
  const fits = (s: string) => s.length >= min && s.length <= max;
  if (schema.format === "date-time") return fc.date({ min: new Date("2000-01-01T00:00:00Z"), max: new Date("2099-12-31T00:00:00Z"), noInvalidDate: true }).map((d) => d.toISOString());
  if (schema.format === "uri") return fc.webUrl().filter(fits);
  if (schema.pattern) {
    const pattern = new RegExp(schema.pattern);
    if (hasLookaround(schema.pattern)) return fc.string({ minLength: min, maxLength: Math.min(max, MAX_STRING) }).filter((s) => pattern.test(s));
    return fc.stringMatching(pattern).filter(fits);
  }
  return fc.string({ minLength: min, maxLength: Math.min(max, Math.max(min, MAX_STRING)) });
}

function objectOf(schema: Schema): fc.Arbitrary<Json> {
  const properties: Record<string, Schema> = schema.properties ?? {};
  const fixed = fc.record(Object.fromEntries(Object.entries(properties).map(([key, s]) => [key, valuesOf(s)])), {
    requiredKeys: schema.required ?? [],
    noNullPrototype: true,
  }) as fc.Arbitrary<Record<string, Json>>;
  const extra = schema.additionalProperties;
  if (!extra || typeof extra !== "object") return fixed;
  const keys = stringOf({ type: "string", ...(schema.propertyNames ?? {}) }).filter((key) => !(key in properties));
  const map = fc.dictionary(keys, valuesOf(extra), { minKeys: schema.minProperties ?? 0, maxKeys: MAX_KEYS, noNullPrototype: true });
  return fc.tuple(fixed, map).map(([own, more]) => ({ ...more, ...own }));
}

function unconstrained(schema: Schema): boolean {
  return Object.keys(schema).every((key) => ANNOTATIONS.has(key));
}

/** Values the schema accepts (checked with ajv, so a loose mapping never passes off an invalid value). */
export function valuesOf(schema: Schema): fc.Arbitrary<Json> {
  return rawValuesOf(schema).filter((value) => conforms(schema, value));
}

function rawValuesOf(schema: Schema): fc.Arbitrary<Json> {
  if (unconstrained(schema)) return fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>;
  if ("const" in schema) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...(schema.enum as Json[]));
  const alternatives: Schema[] | undefined = schema.anyOf ?? schema.oneOf;
  if (alternatives) return fc.oneof(...alternatives.map((alternative) => valuesOf(alternative)));
  if (Array.isArray(schema.type)) return fc.oneof(...schema.type.map((type: string) => valuesOf({ ...schema, type })));
  switch (schema.type) {
    case "null":
      return fc.constant(null);
    case "boolean":
      return fc.boolean();
    case "integer": {
      const min = schema.minimum ?? (schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + 1 : -1_000_000);
      const max = schema.maximum ?? (schema.exclusiveMaximum !== undefined ? schema.exclusiveMaximum - 1 : 1_000_000);
      return fc.integer({ min, max });
    }
    case "number":
      return fc.double({ min: schema.minimum ?? -1_000_000, max: schema.maximum ?? 1_000_000, noNaN: true, noDefaultInfinity: true });
    case "string":
      return stringOf(schema);
    case "array": {
      const minLength = schema.minItems ?? 0;
      return fc.array(valuesOf(schema.items ?? {}), { minLength, maxLength: Math.max(minLength, Math.min(schema.maxItems ?? MAX_ITEMS, MAX_ITEMS)) });
    }
    default:
      return objectOf(schema);
  }
}

/** Whether a parameter schema refuses some non-empty string (`{type: "string"}` refuses none). */
export function refusesSomeString(schema: Schema): boolean {
  return Object.entries(schema).some(([key, value]) => !ANNOTATIONS.has(key) && key !== "type" && !(key === "minLength" && value <= 1));
}

/** Strings a parameter schema refuses (query and path values are strings); see refusesSomeString. */
export function refusedStrings(schema: Schema): fc.Arbitrary<string> {
  return fc
    .oneof(fc.string({ minLength: 1, maxLength: 12 }), fc.constantFrom("0", "-1", "1e3", "0x10", " 1", "true", "null", "$gt", "%00", "x".repeat(1001)))
    .filter((value) => value !== "" && !conforms(schema, value));
}

// ---- invalid bodies: one mutation of a valid body, kept only when the schema refuses the result

type Path = Array<string | number>;

function nodes(value: Json, path: Path = []): Array<{ path: Path; value: Json }> {
  const here = [{ path, value }];
  if (Array.isArray(value)) return [...here, ...value.flatMap((item, i) => nodes(item, [...path, i]))];
  if (value && typeof value === "object") return [...here, ...Object.entries(value).flatMap(([key, item]) => nodes(item, [...path, key]))];
  return here;
}

function setAt(root: Json, path: Path, change: (parent: any, key: string | number) => void): Json {
  const copy = structuredClone(root);
  if (path.length === 0) return copy;
  let parent: any = copy;
  for (const step of path.slice(0, -1)) parent = parent[step];
  change(parent, path.at(-1)!);
  return copy;
}

export type Mutation = { kind: "wrong type"; path: Path; value: Json } | { kind: "missing field"; path: Path } | { kind: "extra field"; path: Path; key: string; value: Json };

export function applyMutation(body: Json, mutation: Mutation): Json {
  switch (mutation.kind) {
    case "wrong type":
      return mutation.path.length === 0 ? mutation.value : setAt(body, mutation.path, (parent, key) => (parent[key] = mutation.value));
    case "missing field":
      return setAt(body, mutation.path, (parent, key) => (Array.isArray(parent) ? parent.splice(Number(key), 1) : delete parent[key]));
    case "extra field":
      return setAt(body, [...mutation.path, mutation.key], (parent, key) => (parent[key] = mutation.value));
  }
}

const otherValues: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom<Json>(null, true, false, 0, -1, 1.5, "", "x", [], {}, { $gt: "" }, [1, "a"]),
  fc.integer(),
  fc.string({ maxLength: 8 }),
);

/** A valid body of `schema` with one mutation the schema refuses: wrong type, missing field or extra field. */
export function refusedBodies(schema: Schema): fc.Arbitrary<{ body: Json; mutation: Mutation }> {
  return fc
    .tuple(valuesOf(schema), fc.nat(), fc.constantFrom("wrong type", "missing field", "extra field"), otherValues, fc.constantFrom("extra", "unknownField", "$where", "isAdmin"))
    .map(([valid, pick, kind, value, key]) => {
      const all = nodes(valid);
      const objects = all.filter((n) => n.value !== null && typeof n.value === "object" && !Array.isArray(n.value));
      const members = all.filter((n) => n.path.length > 0);
      let mutation: Mutation;
      if (kind === "extra field" && objects.length > 0) mutation = { kind, path: objects[pick % objects.length]!.path, key, value };
      else if (kind === "missing field" && members.length > 0) mutation = { kind, path: members[pick % members.length]!.path };
      else mutation = { kind: "wrong type", path: all[pick % all.length]!.path, value };
      return { body: applyMutation(valid, mutation), mutation };
    })
    .filter(({ body }) => !conforms(schema, body));
}

/** Paths of the caller-keyed maps (objects whose keys the caller chooses) in a valid body. */
export function mapPaths(schema: Schema, value: Json, path: Path = []): Path[] {
  if (value === null || typeof value !== "object") return [];
  const alternatives: Schema[] | undefined = schema.anyOf ?? schema.oneOf;
  if (alternatives) return alternatives.filter((s) => conforms(s, value)).flatMap((s) => mapPaths(s, value, path)).slice(0, 50);
  if (Array.isArray(value)) return value.flatMap((item, i) => mapPaths(schema.items ?? {}, item, [...path, i]));
  const here = schema.additionalProperties && typeof schema.additionalProperties === "object" ? [path] : [];
  const inner = Object.entries(value).flatMap(([key, item]) => {
    const sub = schema.properties?.[key] ?? (typeof schema.additionalProperties === "object" ? schema.additionalProperties : null);
    return sub ? mapPaths(sub, item, [...path, key]) : [];
  });
  return [...here, ...inner];
}

export const RESERVED_KEYS = ["__proto__", "constructor", "prototype"] as const;

/** `body` with `key` set at `path` as an own property (`__proto__` included), as JSON text would carry it. */
export function withOwnKey(body: Json, path: Path, key: string, value: Json): Json {
  return setAt(body, [...path, key], (parent, k) => Object.defineProperty(parent, k, { value, enumerable: true, writable: true, configurable: true }));
}
