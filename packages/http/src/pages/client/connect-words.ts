/**
 * The connect page's words for what the server says (`/assets/connect-words.js`): API errors by
 * code, and the transports' technical link reasons (English) as plain sentences in the page's
 * language. Also the phone and code formats.
 */
import type { CONNECT_STRINGS } from "../strings/connect.js";
import { lookup, type ApiError, type ApiResponse } from "./session.js";

export type ConnectStrings = (typeof CONNECT_STRINGS)["fr"];

/** What a link's status (or a failed link's details) says about why it ended. */
export interface LinkReason {
  status?: string;
  reason?: string;
  lastError?: string;
}

interface ErrorDetail {
  path?: unknown;
}

export function words(t: ConnectStrings) {
  const formatCode = (code: string) => (code.length === 8 ? code.slice(0, 4) + "-" + code.slice(4) : code);

  function normalizePhone(value: unknown): string | null {
    let phone = String(value || "").replace(/[\s().\-]/g, "");
    if (phone.startsWith("00")) phone = "+" + phone.slice(2);
    return /^\+[1-9]\d{6,14}$/.test(phone) ? phone : null;
  }

  function errorMessage(response: ApiResponse<unknown>): string {
    if (response.status === 0) return t["err.network"];
    const body = response.body as ApiError | null;
    const error = (body && body.error) || {};
    if (error.code === "invalid_request") {
      const details: ErrorDetail[] = Array.isArray(error.details) ? error.details : [];
      if (details.some((d) => String(d.path) === "method")) return t["err.pairing_unsupported"];
      return details.some((d) => String(d.path).includes("phone")) ? t["err.invalid_phone"] : t["err.invalid_request"];
    }
    if (response.status >= 500) return t["err.unavailable"];
    return lookup(t, "err." + error.code) || t["err.unknown"];
  }

  // The transports' reasons are English and technical: each known one gets a plain sentence.
  const REASONS: [RegExp, keyof ConnectStrings][] = [
    [/qr expired/i, "why.qr_expired"], [/code expired/i, "why.code_expired"], [/unlinked|no longer linked/i, "why.unlinked"],
    [/replaced/i, "why.replaced"], [/403|forbidden|banned|restricted/i, "why.refused"], [/411|multi-device|update whatsapp/i, "why.update_app"],
    [/sent no|gave no|did not answer|timed? ?out/i, "why.no_answer"], [/could not be started/i, "why.browser"],
    [/connection lost|closed|could not connect|reconnect/i, "why.connection"],
  ];
  function reasonMessage(status: LinkReason): string {
    const reason = status.reason || status.lastError || "";
    for (const [pattern, key] of REASONS) if (pattern.test(reason)) return t[key];
    return lookup(t, "why." + status.status) || t["why.failed"];
  }

  return { formatCode, normalizePhone, errorMessage, reasonMessage };
}
