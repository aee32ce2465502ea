import type { SessionRepository } from "@relance/core";
import type { SessionCipher } from "../../crypto/session-cipher.js";

/**
 * Stored next to the creds when the referrer disconnects without logging out: the device stays
 * linked, but `ensureReady` must not bring the session back until the referrer connects again.
 * Kept in the session entries (cleared with them on logout) and encrypted like them, so tools
 * that re-encrypt a session's entries during a key rotation find only cipher blobs.
 */
const MARKER_KEY = "closed-by-referrer";

export function closedMarker(sessions: SessionRepository, cipher: SessionCipher, sessionId: string) {
  return {
    async isSet(): Promise<boolean> {
      const found = await sessions.get(sessionId, [MARKER_KEY]);
      return found[MARKER_KEY] !== undefined;
    },
    set(): Promise<void> {
      const blob = cipher.encrypt("1", { aad: JSON.stringify([sessionId, MARKER_KEY]) });
      return sessions.set(sessionId, { [MARKER_KEY]: blob });
    },
    clear(): Promise<void> {
      return sessions.set(sessionId, { [MARKER_KEY]: null });
    },
  };
}
