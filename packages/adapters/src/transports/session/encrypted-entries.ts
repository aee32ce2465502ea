import type { SessionRepository } from "../../ports/session-repository.js";
import { SessionCryptoError, type SessionCipher } from "../../crypto/session-cipher.js";
import { messageOf } from "./error-message.js";

/**
 * JSON values kept beside a session (creds, address book, watermarks, waiting replies), for both
 * drivers: encrypted with the session id and the entry key as AAD, so that a blob copied under
 * another key or session does not decrypt. Cleared with the session on logout.
 */
export interface EncryptedEntries {
  read<T>(keys: readonly string[]): Promise<Map<string, T>>;
  /** A null or undefined value deletes the entry. */
  write(entries: Record<string, unknown>): Promise<void>;
}

/** How values become JSON and back (Baileys: its BufferJSON, so protobuf bytes survive). */
export interface EntryCodec {
  replacer?: (key: string, value: unknown) => unknown;
  reviver?: (key: string, value: unknown) => unknown;
}

export function encryptedEntries(sessions: SessionRepository, cipher: SessionCipher, sessionId: string, codec: EntryCodec = {}): EncryptedEntries {
  const aadOf = (key: string) => JSON.stringify([sessionId, key]);
  return {
    async read<T>(keys: readonly string[]): Promise<Map<string, T>> {
      const found = new Map<string, T>();
      if (keys.length === 0) return found;
      const blobs = await sessions.get(sessionId, keys);
      for (const [key, blob] of Object.entries(blobs)) {
        try {
          found.set(key, JSON.parse(cipher.decrypt(blob, { aad: aadOf(key) }).plaintext, codec.reviver) as T);
        } catch (error) {
          throw new SessionCryptoError(`Cannot decrypt "${key}" of WhatsApp session ${sessionId}: ${messageOf(error)}`, error);
        }
      }
      return found;
    },
    async write(entries: Record<string, unknown>): Promise<void> {
      const blobs: Record<string, string | null> = {};
      for (const [key, value] of Object.entries(entries)) {
        blobs[key] = value === null || value === undefined ? null : cipher.encrypt(JSON.stringify(value, codec.replacer), { aad: aadOf(key) });
      }
      if (Object.keys(blobs).length > 0) await sessions.set(sessionId, blobs);
    },
  };
}
