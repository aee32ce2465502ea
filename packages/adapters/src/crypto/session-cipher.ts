import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from "node:crypto";
import { RelanceError } from "@relance/core";

/**
 * Encryption at rest of WhatsApp session material (Baileys creds and signal keys, whatsapp-web.js
 * archives). Whoever reads the database must not be able to take over a referrer's WhatsApp.
 *
 * Blob format: `v1.<keyId>.<iv>.<tag>.<ciphertext>` (base64url parts). The key id lets several
 * secrets coexist during a rotation; the version leaves room for a future format.
 */
export interface SessionCipher {
  /** Encrypts with the current key. `aad` (the session id) must be given again to decrypt. */
  encrypt(plaintext: string, options: { aad: string }): string;
  /** `needsReencrypt` is true when an old key was used: store `reencrypt(blob)` in its place. */
  decrypt(blob: string, options: { aad: string }): DecryptedSession;
  /** Decrypts with whichever configured key matches and encrypts again with the current key. */
  reencrypt(blob: string, aad: string): string;
  /** Number of configured keys (current first). */
  readonly keyCount: number;
  /** The id of the key `encrypt` uses (blobs carry theirs: see `keyIdOf`). */
  readonly currentKeyId: string;
  toJSON(): string;
}

export interface DecryptedSession {
  plaintext: string;
  needsReencrypt: boolean;
}

export class SessionCryptoError extends RelanceError {
  constructor(message: string, cause?: unknown) {
    super("session_crypto", message, cause === undefined ? undefined : { cause });
  }
}

export const MIN_SECRET_LENGTH = 16;

const VERSION = "v1";
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;
// Fixed labels: changing them would make every stored blob undecryptable.
const HKDF_SALT = "relance/whatsapp-session";
const HKDF_INFO = "aes-256-gcm/v1";
const BASE64URL = /^[A-Za-z0-9_-]*$/;

interface DerivedKey {
  id: string;
  key: Buffer;
}

/**
 * HKDF rather than scrypt: secrets are generated random values (at least 16 characters), so a
 * slow password hash would only add start-up latency, not security.
 */
function deriveKey(secret: string): DerivedKey {
  const key = Buffer.from(hkdfSync("sha256", secret, HKDF_SALT, HKDF_INFO, KEY_BYTES));
  const id = createHash("sha256").update(key).digest("hex").slice(0, 8);
  return { id, key };
}

/** `secrets[0]` encrypts; every secret decrypts (old ones stay until rotation is complete). */
export function createSessionCipher(options: { secrets: readonly string[] }): SessionCipher {
  const { secrets } = options;
  if (secrets.length === 0) {
    throw new SessionCryptoError("No session secret configured: set WHATSAPP_SESSION_SECRET");
  }
  const keys = new Map<string, Buffer>();
  secrets.forEach((secret, index) => {
    if (typeof secret !== "string" || secret.length < MIN_SECRET_LENGTH) {
      // The position, never the value: messages end up in logs.
      throw new SessionCryptoError(
        `Session secret #${index + 1} is too short: at least ${MIN_SECRET_LENGTH} characters are required`,
      );
    }
    const { id, key } = deriveKey(secret);
    const existing = keys.get(id);
    if (existing && !existing.equals(key)) {
      throw new SessionCryptoError(`Session secrets #${index + 1} and an earlier one share key id ${id}: replace one`);
    }
    if (!existing) keys.set(id, key);
  });
  const [currentId, currentKey] = keys.entries().next().value as [string, Buffer];
  const label = `[SessionCipher keys=${keys.size}]`;

  function encrypt(plaintext: string, { aad }: { aad: string }): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv("aes-256-gcm", currentKey, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(additionalData(currentId, aad));
    const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [VERSION, currentId, encode(iv), encode(tag), encode(ciphertext)].join(".");
  }

  function decrypt(blob: string, { aad }: { aad: string }): DecryptedSession {
    const { keyId, iv, tag, ciphertext } = parseBlob(blob);
    const key = keys.get(keyId);
    if (!key) {
      throw new SessionCryptoError(
        `Session blob was encrypted with key ${keyId}, which is not among the configured session secrets (${[...keys.keys()].join(", ")})`,
      );
    }
    let plaintext: string;
    try {
      const decipher = createDecipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(additionalData(keyId, aad));
      decipher.setAuthTag(tag);
      plaintext = Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString("utf8");
    } catch (error) {
      throw new SessionCryptoError(
        "Session blob failed authentication: it was tampered with, truncated, or belongs to another session",
        error,
      );
    }
    return { plaintext, needsReencrypt: keyId !== currentId };
  }

  const cipher: SessionCipher = {
    encrypt,
    decrypt,
    reencrypt: (blob, aad) => encrypt(decrypt(blob, { aad }).plaintext, { aad }),
    keyCount: keys.size,
    currentKeyId: currentId,
    toJSON: () => label,
    toString: () => label,
    [Symbol.for("nodejs.util.inspect.custom")]: () => label,
  } as SessionCipher;
  return Object.freeze(cipher);
}

/** The key id a stored blob was encrypted with, or null when the value is not a session blob. */
export function keyIdOf(value: string): string | null {
  const parts = value.split(".");
  return parts.length === 5 && parts[0] === VERSION ? parts[1]! : null;
}

/** Parses `WHATSAPP_SESSION_SECRET`: `current[,previous1,previous2...]`. */
export function sessionCipherFromEnv(value: string | undefined, variable = "WHATSAPP_SESSION_SECRET"): SessionCipher {
  const secrets = (value ?? "")
    .split(",")
    .map((secret) => secret.trim())
    .filter((secret) => secret.length > 0);
  if (secrets.length === 0) {
    throw new SessionCryptoError(`${variable} is not set: it encrypts stored WhatsApp sessions`);
  }
  return createSessionCipher({ secrets });
}

// The key id is authenticated too, so a header edited to point at another key cannot pass.
function additionalData(keyId: string, aad: string): Buffer {
  return Buffer.from(`${VERSION}.${keyId}.${aad}`, "utf8");
}

function parseBlob(blob: string): { keyId: string; iv: Buffer; tag: Buffer; ciphertext: Buffer } {
  const parts = typeof blob === "string" ? blob.split(".") : [];
  if (parts.length !== 5 || parts[0] !== VERSION) {
    throw new SessionCryptoError(`Not a ${VERSION} session blob (expected ${VERSION}.<keyId>.<iv>.<tag>.<ciphertext>)`);
  }
  const [, keyId = "", ivText = "", tagText = "", ciphertextText = ""] = parts;
  const iv = decode(ivText, "iv");
  const tag = decode(tagText, "tag");
  const ciphertext = decode(ciphertextText, "ciphertext");
  if (!/^[0-9a-f]{8}$/.test(keyId) || iv.length !== IV_BYTES || tag.length !== TAG_BYTES) {
    throw new SessionCryptoError("Session blob is truncated or malformed (bad key id, iv or tag length)");
  }
  return { keyId, iv, tag, ciphertext };
}

function encode(bytes: Buffer): string {
  return bytes.toString("base64url");
}

// Node's base64url decoder skips invalid characters and ignores trailing bits; requiring the
// canonical encoding makes every edited character an error instead of a silent no-op.
function decode(text: string, part: string): Buffer {
  const bytes = Buffer.from(text, "base64url");
  if (!BASE64URL.test(text) || encode(bytes) !== text) {
    throw new SessionCryptoError(`Session blob is malformed (invalid ${part} encoding)`);
  }
  return bytes;
}
