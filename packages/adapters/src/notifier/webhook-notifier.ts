/**
 * Notifier that POSTs each notification to `RELANCE_NOTIFY_WEBHOOK_URL`:
 *
 *   POST <url>
 *   Content-Type: application/json
 *   X-Service-Name: relance
 *   X-Relance-Timestamp: <unix seconds>
 *   X-Relance-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>
 *
 *   {"type": "sender_unavailable", "referrerUserId": string, "linkStatus": string,
 *    "reason": string, "heldTargets": number, "at": ISO-8601}
 *   {"type": "sender_restricted", "referrerUserId": string, "reason": string,
 *    "until": ISO-8601 | null, "heldTargets": number, "at": ISO-8601}
 *   {"type": "sender_at_risk", "referrerUserId": string, "reason": string,
 *    "deliveredShare": number | null, "resumesBy": ISO-8601, "heldTargets": number, "at": ISO-8601}
 *   {"type": "referral_replied", "referrerUserId": string, "referralUserId": string,
 *    "targetId": string, "phone": E.164, "text": string, "exited": boolean, "at": ISO-8601}
 *
 * Receivers check the signature over the raw body with {@link verifyWebhookSignature}, which also
 * refuses timestamps outside a tolerance so that a captured request cannot be replayed later.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { silentLogger, type Logger, type Notifier, type ReferrerNotification } from "@relance/core";

export interface WebhookNotifierOptions {
  url: string;
  /** HMAC signing secret shared with the receiver; never logged nor put in error messages. */
  secret: string;
  /** Sent as `X-Service-Name`. Default `relance`. */
  serviceName?: string;
  /** Per attempt. Default 5000. */
  timeoutMs?: number;
  /** Extra attempts after the first on network errors, timeouts, 429 and 5xx. Default 2. */
  retries?: number;
  fetch?: typeof globalThis.fetch;
  clock?: { now(): Date };
  sleep?: (ms: number) => Promise<void>;
  logger?: Logger;
}

const PREFIX = "[webhook-notifier]";
const BASE_BACKOFF_MS = 250;
const SIGNATURE_SCHEME = "sha256=";

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** `sha256=<hex>` over `"<timestamp>.<body>"`. */
export function signWebhookPayload(body: string | Uint8Array, timestamp: number | string, secret: string): string {
  const hmac = createHmac("sha256", secret);
  hmac.update(`${timestamp}.`);
  hmac.update(body);
  return `${SIGNATURE_SCHEME}${hmac.digest("hex")}`;
}

export interface VerifyWebhookSignatureInput {
  /** The raw request body, exactly as received (re-serialised JSON will not match). */
  body: string | Uint8Array;
  /** `X-Relance-Timestamp` header value. */
  timestamp: string | number | null | undefined;
  /** `X-Relance-Signature` header value. */
  signature: string | null | undefined;
  secret: string;
  /** Largest accepted distance between the timestamp and `now`, either way. Default 300. */
  toleranceSeconds?: number;
  now?: Date;
}

/** True when the signature matches and the timestamp is fresh. Never throws on bad input. */
export function verifyWebhookSignature(input: VerifyWebhookSignatureInput): boolean {
  const { body, signature, secret, toleranceSeconds = 300, now = new Date() } = input;
  if (!secret || typeof signature !== "string" || input.timestamp === null || input.timestamp === undefined) return false;
  const timestamp = String(input.timestamp).trim();
  if (!/^\d{1,12}$/.test(timestamp)) return false;
  if (Math.abs(Math.floor(now.getTime() / 1000) - Number(timestamp)) > toleranceSeconds) return false;
  const expected = Buffer.from(signWebhookPayload(body, timestamp, secret));
  const received = Buffer.from(signature.trim());
  // timingSafeEqual needs equal lengths; the length of a hex digest is no secret.
  return received.length === expected.length && timingSafeEqual(received, expected);
}

class RetryableFailure extends Error {}

/** The JSON body: fields listed one by one, so nothing unplanned reaches the receiver. */
function payloadOf(notification: ReferrerNotification): Record<string, unknown> {
  const common = { type: notification.type, referrerUserId: notification.referrerUserId };
  if (notification.type === "referral_replied") {
    return {
      ...common,
      referralUserId: notification.referralUserId,
      targetId: notification.targetId,
      phone: notification.phone,
      text: notification.text,
      exited: notification.exited,
      at: notification.at.toISOString(),
    };
  }
  if (notification.type === "sender_at_risk") {
    return {
      ...common,
      reason: notification.reason,
      deliveredShare: notification.deliveredShare,
      resumesBy: notification.resumesBy.toISOString(),
      heldTargets: notification.heldTargets,
      at: notification.at.toISOString(),
    };
  }
  if (notification.type === "sender_restricted") {
    return {
      ...common,
      reason: notification.reason,
      until: notification.until?.toISOString() ?? null,
      heldTargets: notification.heldTargets,
      at: notification.at.toISOString(),
    };
  }
  return { ...common, linkStatus: notification.linkStatus, reason: notification.reason, heldTargets: notification.heldTargets, at: notification.at.toISOString() };
}

export class WebhookNotifier implements Notifier {
  private readonly serviceName: string;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly fetchImpl: typeof globalThis.fetch;
  private readonly clock: { now(): Date };
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly logger: Logger;
  /** Webhook URLs often embed a token in their path: messages only name the host. */
  private readonly target: string;

  constructor(private readonly options: WebhookNotifierOptions) {
    if (!options.url) throw new Error(`${PREFIX} url (RELANCE_NOTIFY_WEBHOOK_URL) is required`);
    if (!options.secret) throw new Error(`${PREFIX} secret is required`);
    this.target = new URL(options.url).host;
    this.serviceName = options.serviceName ?? "relance";
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.retries = Math.max(0, options.retries ?? 2);
    this.fetchImpl = options.fetch ?? globalThis.fetch;
    this.clock = options.clock ?? { now: () => new Date() };
    this.sleep = options.sleep ?? realSleep;
    this.logger = options.logger ?? silentLogger;
  }

  async notify(notification: ReferrerNotification): Promise<void> {
    const body = JSON.stringify(payloadOf(notification));
    const attempts = this.retries + 1;
    let last: Error | undefined;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        await this.post(body);
        return;
      } catch (error) {
        if (!(error instanceof RetryableFailure)) throw error;
        last = error;
        if (attempt === attempts) break;
        const delayMs = BASE_BACKOFF_MS * 2 ** (attempt - 1) + Math.floor(Math.random() * BASE_BACKOFF_MS);
        this.logger.warn(
          { referrerUserId: notification.referrerUserId, attempt, delayMs, reason: error.message },
          `${PREFIX} delivery failed, retrying`,
        );
        await this.sleep(delayMs);
      }
    }
    throw new Error(`${PREFIX} POST to ${this.target} failed after ${attempts} attempt(s): ${last?.message ?? "unknown error"}`, {
      cause: last?.cause,
    });
  }

  private async post(body: string): Promise<void> {
    // Signed per attempt: a retry minutes later still carries a fresh timestamp.
    const timestamp = Math.floor(this.clock.now().getTime() / 1000);
    let response: Response;
    try {
      response = await this.fetchImpl(this.options.url, {
        method: "POST",
        headers: {
          "Content-Type": "application/json",
          "X-Service-Name": this.serviceName,
          "X-Relance-Timestamp": String(timestamp),
          "X-Relance-Signature": signWebhookPayload(body, timestamp, this.options.secret),
        },
        body,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      const timedOut = error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
      throw new RetryableFailure(timedOut ? `timed out after ${this.timeoutMs} ms` : `network error: ${(error as Error)?.message ?? error}`, {
        cause: error,
      });
    }
    await response.body?.cancel();
    if (response.ok) return;
    if (response.status === 429 || response.status >= 500) throw new RetryableFailure(`HTTP ${response.status}`);
    throw new Error(`${PREFIX} POST to ${this.target} refused: HTTP ${response.status}`);
  }
}
