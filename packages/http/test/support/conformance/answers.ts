import type { Case, Operation } from "./cases.js";
import { whyNot, type Schema } from "./schema-values.js";

// What every answer must be: no 5xx, a documented status and media type, a body its documented
// schema accepts, errors in the contract's shape, and refusals where the request was wrong.

export interface Answer {
  status: number;
  contentType: string | null;
  /** Parsed JSON, the text, or null when the body was not read (event streams) or empty. */
  body: unknown;
  text: string | null;
}

/** The code the contract fixes for a status (others: any snake_case code). */
const CODE_OF: Record<number, string[]> = {
  400: ["invalid_request"],
  401: ["unauthorized"],
  403: ["forbidden", "subscription_required"],
  404: ["not_found"],
  409: ["conflict"],
  413: ["payload_too_large"],
  415: ["unsupported_media_type"],
};

const mediaOf = (contentType: string | null) => (contentType ?? "").split(";")[0]!.trim().toLowerCase();

/** The reasons the answer is wrong for the case (empty: right). */
export function problemsOf(op: Operation, c: Case, answer: Answer, errorSchema: Schema): string[] {
  const problems: string[] = [];
  const { status } = answer;
  if (status >= 500) problems.push(`answered ${status}`);
  const documented = op.operation.responses?.[String(status)] ?? op.operation.responses?.default;
  if (!documented) problems.push(`status ${status} is not documented (documented: ${Object.keys(op.operation.responses ?? {}).join(", ")})`);

  const media = mediaOf(answer.contentType);
  const content: Record<string, any> | undefined = documented?.content;
  // An event stream is not read (text null): its media type is still checked.
  const hasBody = answer.text === null || answer.text.length > 0;
  if (documented && content && hasBody) {
    const entry = content[media];
    if (!entry) problems.push(`content type ${answer.contentType} is not documented for ${status} (documented: ${Object.keys(content).join(", ")})`);
    else if (media === "application/json" && entry.schema) {
      const why = whyNot(entry.schema, answer.body);
      if (why) problems.push(`body does not match the documented schema: ${why}`);
    }
  } else if (documented && !content && hasBody) {
    problems.push(`${status} is documented without a body, answered ${answer.contentType}: ${(answer.text ?? "").slice(0, 80)}`);
  }

  if (status >= 400) {
    const why = media === "application/json" ? whyNot(errorSchema, answer.body) : "not JSON";
    if (why) problems.push(`error is not the contract's shape: ${why}`);
    else {
      const code = (answer.body as any).error.code as string;
      if (!/^[a-z][a-z0-9_]*$/.test(code)) problems.push(`error code ${code} is not snake_case`);
      if (CODE_OF[status] && !CODE_OF[status]!.includes(code)) problems.push(`${status} with code ${code} (the contract says ${CODE_OF[status]!.join(" or ")})`);
    }
  }

  const expect = c.expect;
  if (expect.kind === "valid") {
    if ([401, 413, 415].includes(status)) problems.push(`a valid request with valid credentials was refused with ${status}`);
  } else if (expect.kind === "unauthenticated") {
    if (status !== 401 && status !== 403) problems.push(`credentials ignored: missing or wrong credentials answered ${status}, not 401/403`);
  } else {
    if (status < 400) problems.push(`accepted (${status}) a request the contract refuses`);
    else if (expect.status !== undefined && status !== expect.status) problems.push(`refused with ${status}, the contract says ${expect.status}`);
    if (expect.field !== undefined && status === 400) {
      const details = (answer.body as any)?.error?.details;
      const named = Array.isArray(details) && details.some((d: any) => typeof d?.path === "string" && d.path.split(".").includes(expect.field!));
      const body = expect.field === "(body)" && Array.isArray(details) && details.some((d: any) => d?.path === "(body)");
      if (!named && !body) problems.push(`the 400 does not name the field ${expect.field} in details: ${JSON.stringify(details)}`);
    }
  }
  return problems;
}
