/**
 * Typed domain errors. Every error the core raises on purpose is a {@link RelanceError} with a
 * stable snake_case `code`, so that edges (HTTP, CLI, an embedding service) can map it without
 * parsing messages.
 */
export type RelanceErrorCode =
  | "invalid_request"
  | "not_found"
  | "conflict"
  | "forbidden"
  | "subscription_required"
  | "unauthorized"
  | "transport_unavailable"
  | "sender_restricted"
  | "storage_failure"
  | "directory_failure"
  | "session_crypto"
  | "internal";

export class RelanceError extends Error {
  readonly code: RelanceErrorCode;
  readonly details?: unknown;

  constructor(code: RelanceErrorCode, message: string, options?: { details?: unknown; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.details = options?.details;
  }
}

/** One offending field of a refused input. */
export interface FieldIssue {
  path: string;
  message: string;
}

export class ValidationError extends RelanceError {
  constructor(message: string, details?: FieldIssue[] | Record<string, unknown>) {
    super("invalid_request", message, { details });
  }
}

export class NotFoundError extends RelanceError {
  constructor(message: string) {
    super("not_found", message);
  }
}

export class ConflictError extends RelanceError {
  constructor(message: string, details?: unknown) {
    super("conflict", message, { details });
  }
}

export class SubscriptionRequiredError extends RelanceError {
  constructor(referrerUserId: string) {
    super("subscription_required", `Referrer ${referrerUserId} has no active relance subscription`);
  }
}

/**
 * Raised by transports when the sender's WhatsApp session cannot send right now (not linked,
 * disconnected, logged out). Dispatch holds the target instead of counting a failed attempt.
 */
export class TransportUnavailableError extends RelanceError {
  readonly linkStatus: string;
  constructor(message: string, linkStatus: string, cause?: unknown) {
    super("transport_unavailable", message, { cause });
    this.linkStatus = linkStatus;
  }
}

/**
 * The transport has no room for one more session in this process right now (whatsapp-web.js: every
 * Chromium it may run is open and in use). Not an outage of the referrer's account: dispatch
 * leaves that sender for a later run, without marking the link failed or notifying anyone.
 */
export class SessionCapacityError extends TransportUnavailableError {
  constructor(message: string) {
    super(message, "disconnected");
  }
}

/**
 * Raised by transports when WhatsApp restricts the sender's account (reach-out time lock,
 * new-chat messages capped, error 463 "account restricted"). Sending anyway worsens the
 * restriction: dispatch holds the sender (no attempt counted, targets kept) until `until`.
 */
export class SenderRestrictedError extends RelanceError {
  readonly reason: string;
  readonly until: Date | null;
  constructor(message: string, restriction: { reason: string; until: Date | null }, cause?: unknown) {
    super("sender_restricted", message, { cause });
    this.reason = restriction.reason;
    this.until = restriction.until;
  }
}

/**
 * The referrer's WhatsApp session is driven by another process (it holds the session lease).
 * Dispatch leaves that referrer to it; it is not an outage.
 */
export class SessionDrivenElsewhereError extends RelanceError {
  constructor(message: string) {
    super("conflict", message);
  }
}

export class StorageError extends RelanceError {
  constructor(message: string, cause?: unknown) {
    super("storage_failure", message, { cause });
  }
}

export class DirectoryError extends RelanceError {
  constructor(message: string, cause?: unknown) {
    super("directory_failure", message, { cause });
  }
}

export function isRelanceError(error: unknown): error is RelanceError {
  return error instanceof RelanceError;
}
