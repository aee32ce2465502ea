import { TransportUnavailableError, type LinkState } from "@relance/core";
import { messageOf } from "./error-message.js";

/**
 * A failed library call as the port's error, for both drivers: `TransportUnavailableError` when
 * the session went away and nothing left (dispatch holds, no attempt counted, the session comes
 * back), an ordinary error otherwise (a failed attempt, retried later). Each driver decides
 * `unavailable` from its library (Baileys: no open socket, or the connection-closed status before
 * anything was sent; whatsapp-web.js: the client is no longer the connected one). Never called
 * once the day's text has left: from there, failures are `partialFailure` (see the port).
 */
export function callFailure(input: { transport: string; action: string; error: unknown; unavailable: boolean; status: LinkState["status"]; detail?: string }): Error {
  const cause = messageOf(input.error);
  if (input.unavailable) {
    const status = input.status === "connected" ? "disconnected" : input.status;
    return new TransportUnavailableError(`[${input.transport}] ${input.action} failed: ${input.detail ?? "the connection closed"} (${cause})`, status, input.error);
  }
  return new Error(`[${input.transport}] ${input.action} failed: ${cause}`, { cause: input.error });
}
