import { DirectoryError, type Logger } from "@relance/core";

/**
 * The HTTP side of the pull directory: authenticated GETs to the user-service, retried on network
 * errors, timeouts, 429 and 5xx (exponential backoff with jitter, `Retry-After` honoured up to a
 * cap), bodies capped in size, the bearer secret never in a log line nor an error message. What
 * the answers mean is `user-service-mapping.ts`'s and `HttpDirectory`'s.
 */

export const DEFAULT_MAX_RESPONSE_BYTES = 8 * 1024 * 1024;
const BASE_BACKOFF_MS = 200;

export const PREFIX = "[http-directory]";

/** A `since` cursor the service no longer knows (410). */
export const GONE = Symbol("gone");

export interface UserServiceClientOptions {
  /** `USER_SERVICE_URL`, e.g. `https://users.internal:8080`. */
  baseUrl: string;
  /** Sent as `Authorization: Bearer <secret>`; never logged nor put in error messages. */
  serviceSecret: string;
  /** Sent as `X-Service-Name`. Default `relance`. */
  serviceName?: string;
  /** Per attempt, including reading the body. Default 5000. */
  timeoutMs?: number;
  /** Extra attempts after the first on network errors, timeouts, 429 and 5xx. Default 2. */
  retries?: number;
  /** Longest wait a `Retry-After` header can impose. Default 30 000 ms. */
  maxRetryAfterMs?: number;
  /** Largest response body read (announced or streamed); default 8 MiB. */
  maxResponseBytes?: number;
  fetch?: typeof globalThis.fetch;
  logger: Logger;
  sleep?: (ms: number) => Promise<void>;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Failures worth another attempt: the service may answer differently a moment later. */
class RetryableFailure extends Error {
  constructor(
    message: string,
    readonly retryAfterMs: number | null,
    cause?: unknown,
  ) {
    super(message, cause === undefined ? undefined : { cause });
  }
}

export class UserServiceClient {
  private readonly baseUrl: string;
  private readonly serviceName: string;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly maxRetryAfterMs: number;
  private readonly fetchImpl: typeof globalThis.fetch;
  private readonly logger: Logger;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: UserServiceClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
    this.serviceName = options.serviceName ?? "relance";
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.retries = Math.max(0, options.retries ?? 2);
    this.maxRetryAfterMs = options.maxRetryAfterMs ?? 30_000;
    this.fetchImpl = options.fetch ?? globalThis.fetch;
    this.logger = options.logger;
    this.sleep = options.sleep ?? realSleep;
  }

  /** The parsed JSON body, null on 404, {@link GONE} on 410 when allowed. */
  async getJson(path: string, options: { allowGone?: boolean } = {}): Promise<unknown> {
    const attempts = this.retries + 1;
    let lastFailure: RetryableFailure | undefined;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        const text = await this.attempt(path, options.allowGone === true);
        if (text === null || text === GONE) return text;
        try {
          return JSON.parse(text) as unknown;
        } catch (error) {
          throw new DirectoryError(`${PREFIX} GET ${path}: response is not valid JSON`, error);
        }
      } catch (error) {
        if (!(error instanceof RetryableFailure)) throw error;
        lastFailure = error;
        if (attempt === attempts) break;
        const backoff = BASE_BACKOFF_MS * 2 ** (attempt - 1) + Math.floor(Math.random() * BASE_BACKOFF_MS);
        const delayMs = error.retryAfterMs === null ? backoff : Math.min(error.retryAfterMs, this.maxRetryAfterMs);
        this.logger.warn({ path, attempt, delayMs, reason: this.redact(error.message) }, `${PREFIX} request failed, retrying`);
        await this.sleep(delayMs);
      }
    }
    throw new DirectoryError(
      this.redact(`${PREFIX} GET ${path} failed after ${attempts} attempt(s): ${lastFailure?.message ?? "unknown error"}`),
      lastFailure?.cause,
    );
  }

  /** One request: the body text, null on 404, GONE on an allowed 410; throws RetryableFailure or DirectoryError. */
  private async attempt(path: string, allowGone: boolean): Promise<string | typeof GONE | null> {
    try {
      const response = await this.fetchImpl(`${this.baseUrl}${path}`, {
        method: "GET",
        headers: {
          Accept: "application/json",
          Authorization: `Bearer ${this.options.serviceSecret}`,
          "X-Service-Name": this.serviceName,
        },
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      if (response.status === 404) {
        await response.body?.cancel();
        return null;
      }
      if (response.status === 410 && allowGone) {
        await response.body?.cancel();
        return GONE;
      }
      if (response.status === 429 || response.status >= 500) {
        await response.body?.cancel();
        throw new RetryableFailure(`HTTP ${response.status}`, parseRetryAfter(response.headers.get("retry-after")));
      }
      if (!response.ok) {
        await response.body?.cancel();
        throw new DirectoryError(this.redact(`${PREFIX} GET ${path} failed: HTTP ${response.status}`));
      }
      return await this.readCapped(response, path);
    } catch (error) {
      if (error instanceof RetryableFailure || error instanceof DirectoryError) throw error;
      if (isTimeout(error)) throw new RetryableFailure(`timed out after ${this.timeoutMs} ms`, null, error);
      throw new RetryableFailure(`network error: ${describeCause(error)}`, null, error);
    }
  }

  /** The body as text, refused past `maxResponseBytes` before it is read whole. */
  private async readCapped(response: Response, path: string): Promise<string> {
    const max = this.options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    const tooLarge = () => new DirectoryError(this.redact(`${PREFIX} GET ${path} failed: response larger than ${max} bytes`));
    const declared = Number(response.headers.get("content-length") ?? NaN);
    if (Number.isFinite(declared) && declared > max) {
      await response.body?.cancel();
      throw tooLarge();
    }
    if (!response.body) return "";
    const reader = response.body.getReader();
    const parts: Uint8Array[] = [];
    let total = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > max) {
        await reader.cancel().catch(() => undefined);
        throw tooLarge();
      }
      parts.push(value);
    }
    return Buffer.concat(parts).toString("utf8");
  }

  /** Defence in depth: a proxy or the service echoing our headers must not leak the secret. */
  private redact(text: string): string {
    return text.split(this.options.serviceSecret).join("[redacted]");
  }
}

function parseRetryAfter(header: string | null): number | null {
  if (!header) return null;
  const seconds = Number(header.trim());
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? null : Math.max(0, date - Date.now());
}

function isTimeout(error: unknown): boolean {
  return error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
}

/** undici hides the useful part (ECONNREFUSED, ...) in `cause`. */
function describeCause(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const inner = error.cause instanceof Error ? error.cause : null;
  const code = inner && "code" in inner ? String((inner as { code?: unknown }).code) : null;
  return code ? `${error.message} (${code})` : error.message;
}
