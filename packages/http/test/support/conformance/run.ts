import fc from "fast-check";
import type { Hono } from "hono";
import { dereference } from "@readme/openapi-parser";
import { problemsOf, type Answer } from "./answers.js";
import { casesOf, curlOf, type Case, type Credentials, type FuzzRequest, type Limits, type Operation } from "./cases.js";

// The conformance run: every operation of the served /openapi.json, every category of requests,
// seeded and bounded; a failure keeps fast-check's smallest failing request.

export interface Failure {
  operation: string;
  category: string;
  seed: number;
  path: string;
  request: string;
  problems: string;
}

export interface Report {
  seed: number;
  requests: number;
  operations: number;
  /** Answers by status class and category ("valid 2xx": 412, ...): what the run reached. */
  answers: Record<string, number>;
  failures: Failure[];
  /** Served routes the document does not describe (or describes without what the run needs). */
  undocumented: string[];
}

const METHODS = ["get", "put", "post", "delete", "patch"];

export function operationsOf(document: any): Operation[] {
  return Object.entries(document.paths as Record<string, Record<string, any>>).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => METHODS.includes(method))
      .map(([method, operation]) => ({ method: method.toUpperCase(), path, operation })),
  );
}

/** Routes the app serves that are not operations of the document, or operations without a response schema. */
export function undocumentedRoutes(app: Hono, document: any): string[] {
  const ops = new Map(operationsOf(document).map((op) => [`${op.method} ${op.path}`, op]));
  const served = new Set(app.routes.filter((r) => r.method !== "ALL").map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, "{$1}")}`));
  const problems = [...served].filter((route) => !ops.has(route)).map((route) => `${route}: served but not in /openapi.json`);
  for (const [name, op] of ops) {
    const success = Object.entries(op.operation.responses ?? {}).filter(([status]) => status.startsWith("2") && status !== "204");
    if (success.length === 0 && !op.operation.responses?.["204"]) problems.push(`${name}: no success response documented`);
    for (const [status, response] of success as Array<[string, any]>) {
      if (!Object.values(response.content ?? {}).some((media: any) => media.schema)) problems.push(`${name}: ${status} has no schema`);
    }
    const body = op.operation.requestBody;
    if (body && !body.content?.["application/json"]?.schema) problems.push(`${name}: request body without an application/json schema`);
  }
  return problems;
}

async function send(app: Hono, request: FuzzRequest): Promise<Answer> {
  const response = await app.request(request.url, {
    method: request.method,
    headers: request.headers,
    // Bytes, so that no content type is added for us.
    ...(request.body !== undefined ? { body: new TextEncoder().encode(request.body) } : {}),
  });
  const contentType = response.headers.get("content-type");
  if (contentType?.startsWith("text/event-stream")) {
    await response.body?.cancel();
    return { status: response.status, contentType, body: null, text: null };
  }
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: kept as text
  }
  return { status: response.status, contentType, body, text };
}

const hash = (text: string) => [...text].reduce((h, ch) => (Math.imul(h, 31) + ch.charCodeAt(0)) | 0, 0);

export interface RunOptions {
  seed: number;
  credentials: Credentials;
  limits: Limits;
  /** Multiplies every category's number of runs. */
  scale?: number;
}

export async function runConformance(app: Hono, served: any, options: RunOptions): Promise<Report> {
  const document: any = await dereference(structuredClone(served));
  const errorSchema = document.components.schemas.Error;
  const operations = operationsOf(document);
  const failures: Failure[] = [];
  const answers: Record<string, number> = {};
  let requests = 0;
  for (const op of operations) {
    const name = `${op.method} ${op.path}`;
    for (const { category, runs, cases } of await casesOf(op, options.credentials, options.limits)) {
      const seed = (options.seed ^ hash(`${name} ${category}`)) | 0;
      if (process.env.RELANCE_FUZZ_TRACE) process.stderr.write(`${name} [${category}] ${Date.now() % 100000}\n`);
      const property = fc.asyncProperty(cases, async (c: Case) => {
        requests++;
        const answer = await send(app, c.request);
        const key = `${c.expect.kind} ${Math.floor(answer.status / 100)}xx`;
        answers[key] = (answers[key] ?? 0) + 1;
        const problems = problemsOf(op, c, answer, errorSchema);
        if (problems.length > 0) throw new Error(problems.join("; "));
      });
      const details = await fc.check(property, { seed, numRuns: Math.max(1, Math.round(runs * (options.scale ?? 1))) });
      if (details.failed && details.counterexample) {
        const [c] = details.counterexample as [Case];
        const error = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
        failures.push({ operation: name, category, seed, path: details.counterexamplePath ?? "", request: curlOf(c.request), problems: error });
      } else if (details.failed) {
        failures.push({ operation: name, category, seed, path: "", request: "(no request generated)", problems: String(details.errorInstance ?? "generation failed") });
      }
    }
  }
  return { seed: options.seed, requests, operations: operations.length, answers, failures, undocumented: undocumentedRoutes(app, served) };
}

export function formatReport(report: Report): string {
  const lines = [
    `conformance: seed ${report.seed} (replay with RELANCE_FUZZ_SEED=${report.seed}), ${report.operations} operations, ${report.requests} requests, ${report.failures.length} failing cases`,
    `  answers: ${Object.entries(report.answers).sort().map(([k, n]) => `${k} ${n}`).join(", ")}`,
    ...report.undocumented.map((u) => `  UNDOCUMENTED ${u}`),
  ];
  for (const f of report.failures) {
    lines.push(`  FAIL ${f.operation} [${f.category}] (seed ${f.seed}, path ${f.path})`, `    smallest failing request: ${f.request}`, `    ${f.problems}`);
  }
  return lines.join("\n");
}
