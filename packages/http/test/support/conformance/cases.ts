import fc from "fast-check";
import { RESERVED_KEYS, mapPaths, refusedBodies, refusedStrings, refusesSomeString, valuesOf, withOwnKey, type Json, type Schema } from "./schema-values.js";

// Requests for one operation of the served /openapi.json, by category. Every value comes from the
// document (schemas, parameters, security); credentials come from `Credentials`.

export interface Operation {
  method: string;
  /** The documented path, `{name}` for path parameters. */
  path: string;
  operation: Record<string, any>;
}

export interface FuzzRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  /** JSON text, or any text for the content-type cases; absent: no body. */
  body?: string;
}

/** What the answer must be, beyond "documented and no 5xx". */
export type Expectation =
  | { kind: "valid" }
  | { kind: "refused"; status?: number; field?: string }
  | { kind: "unauthenticated" };

export interface Case {
  category: string;
  request: FuzzRequest;
  expect: Expectation;
}

export interface Credentials {
  /** Valid credentials of the operation's security (headers). */
  valid(op: Operation): Promise<Record<string, string>>;
  /** Missing or wrong credentials, each with a name. */
  wrong(op: Operation): Promise<Array<{ name: string; headers: Record<string, string> }>>;
}

export interface Limits {
  bodyLimitBytes: number;
}

const WRITE = new Set(["POST", "PUT", "PATCH", "DELETE"]);
export const isWrite = (op: Operation) => WRITE.has(op.method);

export const parametersOf = (op: Operation, where: "query" | "path"): Array<{ name: string; required: boolean; schema: Schema }> =>
  (op.operation.parameters ?? []).filter((p: any) => p.in === where);

export const bodyOf = (op: Operation): { schema: Schema; required: boolean } | null => {
  const body = op.operation.requestBody;
  if (!body) return null;
  return { schema: body.content?.["application/json"]?.schema ?? {}, required: body.required === true };
};

/** Whether the operation documents that it validates what it is sent (a 400). */
export const validates = (op: Operation) => op.operation.responses?.["400"] !== undefined;
export const secured = (op: Operation) => (op.operation.security ?? []).length > 0;

type Parts = { path: Record<string, string>; query: Array<[string, string]>; body: Json | undefined };

function validParts(op: Operation): fc.Arbitrary<Parts> {
  const path = fc.record(Object.fromEntries(parametersOf(op, "path").map((p) => [p.name, valuesOf(p.schema) as fc.Arbitrary<string>])), { noNullPrototype: true });
  const query = fc
    .tuple(...parametersOf(op, "query").map((p) => (p.required ? (valuesOf(p.schema) as fc.Arbitrary<string>) : fc.option(valuesOf(p.schema) as fc.Arbitrary<string>, { nil: undefined })).map((v) => [p.name, v] as const)))
    .map((pairs) => pairs.filter((pair): pair is readonly [string, string] => pair[1] !== undefined).map(([k, v]) => [k, v] as [string, string]));
  const body = bodyOf(op);
  const bodies = body ? (body.required ? valuesOf(body.schema) : fc.option(valuesOf(body.schema), { nil: undefined })) : fc.constant(undefined);
  return fc.record({ path, query, body: bodies }, { noNullPrototype: true }) as fc.Arbitrary<Parts>;
}

function urlOf(op: Operation, parts: Parts): string {
  const path = op.path.replace(/\{(\w+)\}/g, (_m, name: string) => encodeURIComponent(parts.path[name] ?? ""));
  const query = parts.query.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join("&");
  return query ? `${path}?${query}` : path;
}

function requestOf(op: Operation, parts: Parts, headers: Record<string, string>, body?: { text: string; type: string | null }): FuzzRequest {
  const all = { ...headers };
  const text = body?.text ?? (parts.body === undefined ? undefined : JSON.stringify(parts.body));
  if (text !== undefined) {
    const type = body ? body.type : "application/json";
    if (type !== null) all["content-type"] = type;
  }
  return { method: op.method, url: urlOf(op, parts), headers: all, ...(text !== undefined ? { body: text } : {}) };
}

const NOT_JSON = [null, "text/plain", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/xml", "text/json", "application/jsonp"];

/** Every category of requests that applies to `op`, each an arbitrary of cases. */
export async function casesOf(op: Operation, credentials: Credentials, limits: Limits): Promise<Array<{ category: string; runs: number; cases: fc.Arbitrary<Case> }>> {
  const valid = await credentials.valid(op);
  const parts = validParts(op);
  const body = bodyOf(op);
  const categories: Array<{ category: string; runs: number; cases: fc.Arbitrary<Case> }> = [];
  const add = (category: string, runs: number, cases: fc.Arbitrary<Omit<Case, "category">>) => categories.push({ category, runs, cases: cases.map((c) => ({ category, ...c })) });
  const api = op.path.startsWith("/api/");

  add("valid", 12, parts.map((p) => ({ request: requestOf(op, p, valid), expect: { kind: "valid" } })));

  if (isWrite(op) && api) {
    add(
      "wrong content type",
      6,
      fc.tuple(parts, fc.constantFrom(...NOT_JSON)).map(([p, type]) => ({
        request: requestOf(op, p, valid, { text: p.body === undefined ? "{}" : JSON.stringify(p.body), type }),
        expect: { kind: "refused", status: 415 },
      })),
    );
    add(
      "oversized body",
      2,
      parts.map((p) => ({ request: requestOf(op, p, valid, { text: JSON.stringify({ pad: "x".repeat(limits.bodyLimitBytes) }), type: "application/json" }), expect: { kind: "refused", status: 413 } })),
    );
  }
  if (body && validates(op)) {
    if (body.required) add("missing body", 3, parts.map((p) => ({ request: requestOf(op, { ...p, body: undefined }, valid), expect: { kind: "refused", status: 400, field: "(body)" } })));
    add("malformed JSON", 2, fc.tuple(parts, fc.constantFrom("{", '{"a":', "[1,]", "nul", "{'a':1}")).map(([p, text]) => ({ request: requestOf(op, p, valid, { text, type: "application/json" }), expect: { kind: "refused", status: 400 } })));
    add(
      "invalid body",
      14,
      fc.tuple(parts, refusedBodies(body.schema)).map(([p, { body: refused }]) => ({ request: requestOf(op, { ...p, body: refused }, valid), expect: { kind: "refused", status: 400 } })),
    );
    if (JSON.stringify(body.schema).includes('"additionalProperties":{')) {
      add(
        "reserved key",
        6,
        fc
          .tuple(parts, fc.nat(), fc.constantFrom(...RESERVED_KEYS))
          .filter(([p]) => p.body !== undefined && mapPaths(body.schema, p.body).length > 0)
          .map(([p, pick, key]) => {
            const maps = mapPaths(body.schema, p.body!);
            const path = maps[pick % maps.length]!;
            return { request: requestOf(op, { ...p, body: withOwnKey(p.body!, path, key, "x") }, valid), expect: { kind: "refused", status: 400, field: key } };
          }),
      );
    }
  }
  const query = parametersOf(op, "query");
  const refusable = query.filter((q) => refusesSomeString(q.schema));
  if (validates(op) && query.length > 0) {
    add(
      "empty query value",
      6,
      fc.tuple(parts, fc.constantFrom(...query.map((q) => q.name))).map(([p, name]) => ({
        request: requestOf(op, { ...p, query: [...p.query.filter(([k]) => k !== name), [name, ""]] }, valid),
        expect: { kind: "refused", status: 400, field: name },
      })),
    );
  }
  if (validates(op) && refusable.length > 0) {
    add(
      "invalid query value",
      6,
      fc.tuple(parts, fc.nat()).chain(([p, pick]) => {
        const param = refusable[pick % refusable.length]!;
        return refusedStrings(param.schema).map((value) => ({
          request: requestOf(op, { ...p, query: [...p.query.filter(([k]) => k !== param.name), [param.name, value]] }, valid),
          expect: { kind: "refused" as const, status: 400, field: param.name },
        }));
      }),
    );
  }
  if (api) {
    add(
      "unknown query parameter",
      3,
      fc.tuple(parts, fc.constantFrom("extra", "access_token", "__proto__", "debug")).filter(([, name]) => !query.some((q) => q.name === name)).map(([p, name]) => ({
        request: requestOf(op, { ...p, query: [...p.query, [name, "1"]] }, valid),
        expect: { kind: "refused", status: 400, field: name },
      })),
    );
  }
  const pathParams = parametersOf(op, "path").filter((p) => refusesSomeString(p.schema));
  if (pathParams.length > 0) {
    add(
      "invalid path parameter",
      6,
      fc.tuple(parts, fc.nat()).chain(([p, pick]) => {
        const param = pathParams[pick % pathParams.length]!;
        return refusedStrings(param.schema).map((value) => ({ request: requestOf(op, { ...p, path: { ...p.path, [param.name]: value } }, valid), expect: { kind: "refused" as const } }));
      }),
    );
  }
  if (secured(op)) {
    const wrong = await credentials.wrong(op);
    add(
      "missing or wrong credentials",
      8,
      fc.tuple(parts, fc.constantFrom(...wrong)).map(([p, w]) => ({ request: requestOf(op, p, w.headers), expect: { kind: "unauthenticated" } })),
    );
  }
  return categories;
}

/** A request as a one-line curl command (what the report prints). */
export function curlOf(request: FuzzRequest): string {
  const headers = Object.entries(request.headers).map(([k, v]) => `-H '${k}: ${v.length > 60 ? `${v.slice(0, 24)}…` : v}'`);
  const body = request.body === undefined ? [] : [`--data '${request.body.length > 300 ? `${request.body.slice(0, 120)}…(${request.body.length} bytes)` : request.body}'`];
  return ["curl", "-X", request.method, ...headers, ...body, `'${request.url}'`].join(" ");
}
