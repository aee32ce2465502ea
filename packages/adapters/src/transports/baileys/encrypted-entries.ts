import { BufferJSON } from "@whiskeysockets/baileys";
import type { SessionRepository } from "@relance/core";
import { SessionCryptoError, type SessionCipher } from "../../crypto/session-cipher.js";
import { messageOf } from "../session/error-message.js";

/**
 * JSON values kept beside a session's creds, encrypted like them (the session id and the entry key
 * are the AAD), with Baileys' Buffer encoding so protobuf messages survive. Cleared with the
 * session on logout.
 */
export interface EncryptedEntries {
  read<T>(keys: readonly string[]): Promise<Map<string, T>>;
  write(entries: Record<string, unknown>): Promise<void>;
}

export function encryptedEntries(sessions: SessionRepository, cipher: SessionCipher, sessionId: string): EncryptedEntries {
  const aadOf = (key: string) => JSON.stringify([sessionId, key]);
  return {
    async read<T>(keys: readonly string[]): Promise<Map<string, T>> {
      const found = new Map<string, T>();
      if (keys.length === 0) return found;
      const blobs = await sessions.get(sessionId, keys);
      for (const [key, blob] of Object.entries(blobs)) {
        try {
          found.set(key, JSON.parse(cipher.decrypt(blob, { aad: aadOf(key) }).plaintext, BufferJSON.reviver) as T);
        } catch (error) {
          const reason = messageOf(error);
          throw new SessionCryptoError(`Cannot decrypt "${key}" of WhatsApp session ${sessionId}: ${reason}`, error);
        }
      }
      return found;
    },
    async write(entries: Record<string, unknown>): Promise<void> {
      const blobs: Record<string, string | null> = {};
      for (const [key, value] of Object.entries(entries)) {
        blobs[key] = value === null || value === undefined ? null : cipher.encrypt(JSON.stringify(value, BufferJSON.replacer), { aad: aadOf(key) });
      }
      if (Object.keys(blobs).length > 0) await sessions.set(sessionId, blobs);
    },
  };
}
