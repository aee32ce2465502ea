import { createHash } from "node:crypto";

const SESSION_PREFIX = "wwebjs:";

/** Repository session id of a referrer's whatsapp-web.js session. */
export function sessionIdOf(referrerUserId: string): string {
  return `${SESSION_PREFIX}${referrerUserId}`;
}

/**
 * RemoteAuth accepts `[-_\w]+` ids and names the Chromium profile after it: readable when the
 * referrer id allows, with a digest so that ids differing only in other characters stay apart.
 */
export function clientIdOf(referrerUserId: string): string {
  const readable = referrerUserId.replace(/[^-\w]/g, "_").slice(0, 32);
  const digest = createHash("sha256").update(referrerUserId).digest("hex").slice(0, 12);
  return `${readable}-${digest}`;
}
