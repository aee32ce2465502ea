import { BufferJSON } from "@whiskeysockets/baileys";
import type { SessionRepository } from "../../ports/session-repository.js";
import type { SessionCipher } from "../../crypto/session-cipher.js";
import { encryptedEntries as sharedEntries, type EncryptedEntries } from "../session/encrypted-entries.js";

export type { EncryptedEntries } from "../session/encrypted-entries.js";

/** The shared encrypted entries (session/encrypted-entries.ts), with Baileys' Buffer encoding so protobuf messages survive. */
export function encryptedEntries(sessions: SessionRepository, cipher: SessionCipher, sessionId: string): EncryptedEntries {
  return sharedEntries(sessions, cipher, sessionId, { replacer: BufferJSON.replacer, reviver: BufferJSON.reviver });
}
