import { inspect } from "node:util";
import { RelanceError } from "@relance/core";
import { describe, expect, it } from "vitest";
import {
  SessionCryptoError,
  createSessionCipher,
  sessionCipherFromEnv,
} from "../../src/crypto/session-cipher.js";

const CURRENT = "current-secret-0123456789abcdef";
const OLD = "previous-secret-fedcba9876543210";
const SESSION = "referrer-42";

function blobParts(blob: string): string[] {
  return blob.split(".");
}

/** Changes one character in the middle of a base64url part, keeping it canonical. */
function flipChar(text: string): string {
  const index = Math.floor(text.length / 2);
  const replacement = text[index] === "A" ? "B" : "A";
  return text.slice(0, index) + replacement + text.slice(index + 1);
}

function withPart(blob: string, index: number, change: (part: string) => string): string {
  const parts = blobParts(blob);
  parts[index] = change(parts[index] ?? "");
  return parts.join(".");
}

function captureError(action: () => unknown): SessionCryptoError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(SessionCryptoError);
    return error as SessionCryptoError;
  }
  throw new Error("expected an error");
}

describe("session cipher", () => {
  const cipher = createSessionCipher({ secrets: [CURRENT] });

  describe("round trip", () => {
    it.each([
      ["empty", ""],
      ["ascii", '{"creds":true}'],
      ["unicode", "Relance 🚀 — élève, 日本語, عربى, \u0000 nul"],
    ])("%s plaintext", (_name, plaintext) => {
      const blob = cipher.encrypt(plaintext, { aad: SESSION });
      expect(cipher.decrypt(blob, { aad: SESSION })).toEqual({ plaintext, needsReencrypt: false });
    });

    it("a 5 MB payload", () => {
      const plaintext = "x".repeat(5 * 1024 * 1024 - 3) + "end";
      const blob = cipher.encrypt(plaintext, { aad: SESSION });
      expect(cipher.decrypt(blob, { aad: SESSION }).plaintext).toBe(plaintext);
    });

    it("uses a versioned format with a fresh IV each time", () => {
      const first = cipher.encrypt("same", { aad: SESSION });
      const second = cipher.encrypt("same", { aad: SESSION });
      expect(first).toMatch(/^v1\.[0-9a-f]{8}\.[\w-]{16}\.[\w-]{22}\.[\w-]*$/);
      expect(blobParts(first)[1]).toBe(blobParts(second)[1]);
      expect(blobParts(first)[2]).not.toBe(blobParts(second)[2]);
      expect(first).not.toBe(second);
    });

    it("does not leave the plaintext readable in the blob", () => {
      const blob = cipher.encrypt('{"noiseKey":"abc"}', { aad: SESSION });
      expect(blob).not.toContain("noiseKey");
      expect(Buffer.from(blobParts(blob)[4] ?? "", "base64url").toString()).not.toContain("noiseKey");
    });
  });

  describe("refused blobs", () => {
    const blob = cipher.encrypt("secret session data", { aad: SESSION });

    it("another secret", () => {
      const other = createSessionCipher({ secrets: ["another-secret-000000000000"] });
      expect(captureError(() => other.decrypt(blob, { aad: SESSION })).message).toMatch(/not among the configured/);
    });

    it.each([
      ["ciphertext", 4],
      ["tag", 3],
      ["iv", 2],
    ])("tampered %s", (_name, index) => {
      const tampered = withPart(blob, index, flipChar);
      expect(tampered).not.toBe(blob);
      expect(captureError(() => cipher.decrypt(tampered, { aad: SESSION })).message).toMatch(/failed authentication/);
    });

    it("tampered key id", () => {
      const tampered = withPart(blob, 1, (id) => (id.startsWith("0") ? "1" : "0") + id.slice(1));
      expect(captureError(() => cipher.decrypt(tampered, { aad: SESSION })).message).toMatch(/not among the configured/);
    });

    it("tampered version", () => {
      expect(() => cipher.decrypt(blob.replace(/^v1/, "v2"), { aad: SESSION })).toThrow(SessionCryptoError);
    });

    it("a non-canonical base64url character", () => {
      // The last character of the 16-byte tag carries 4 unused bits: Node would ignore the change.
      const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
      const sibling = (char: string) => alphabet[alphabet.indexOf(char) ^ 1] ?? "";
      const tag = blobParts(blob)[3] ?? "";
      const tamperedTag = tag.slice(0, -1) + sibling(tag.slice(-1));
      const tampered = withPart(blob, 3, () => tamperedTag);
      expect(tamperedTag).not.toBe(tag);
      expect(Buffer.from(tamperedTag, "base64url")).toEqual(Buffer.from(tag, "base64url"));
      expect(() => cipher.decrypt(tampered, { aad: SESSION })).toThrow(/invalid tag encoding/);
    });

    it.each([
      ["cut ciphertext", blob.slice(0, -4)],
      ["cut tag", withPart(blob, 3, (tag) => tag.slice(0, 16))],
      ["missing parts", blobParts(blob).slice(0, 3).join(".")],
      ["empty", ""],
      ["garbage", "not a blob at all"],
    ])("truncated or malformed: %s", (_name, bad) => {
      expect(() => cipher.decrypt(bad, { aad: SESSION })).toThrow(SessionCryptoError);
    });

    it("a blob of another session (foreign AAD)", () => {
      const error = captureError(() => cipher.decrypt(blob, { aad: "referrer-43" }));
      expect(error.message).toMatch(/belongs to another session/);
      expect(error.code).toBe("session_crypto");
      expect(error).toBeInstanceOf(RelanceError);
    });
  });

  describe("rotation", () => {
    const oldCipher = createSessionCipher({ secrets: [OLD] });
    const rotating = createSessionCipher({ secrets: [CURRENT, OLD] });
    const newOnly = createSessionCipher({ secrets: [CURRENT] });

    it("decrypts an old blob with [new, old] and asks for re-encryption", () => {
      const oldBlob = oldCipher.encrypt("creds", { aad: SESSION });
      expect(rotating.decrypt(oldBlob, { aad: SESSION })).toEqual({ plaintext: "creds", needsReencrypt: true });
      expect(() => newOnly.decrypt(oldBlob, { aad: SESSION })).toThrow(SessionCryptoError);

      const reencrypted = rotating.reencrypt(oldBlob, SESSION);
      expect(newOnly.decrypt(reencrypted, { aad: SESSION })).toEqual({ plaintext: "creds", needsReencrypt: false });
    });

    it("keeps the session binding when re-encrypting", () => {
      const oldBlob = oldCipher.encrypt("creds", { aad: SESSION });
      expect(() => rotating.reencrypt(oldBlob, "referrer-43")).toThrow(SessionCryptoError);
      const reencrypted = rotating.reencrypt(oldBlob, SESSION);
      expect(() => newOnly.decrypt(reencrypted, { aad: "referrer-43" })).toThrow(SessionCryptoError);
    });

    it("encrypts with the first secret only", () => {
      const blob = rotating.encrypt("x", { aad: SESSION });
      expect(blobParts(blob)[1]).toBe(blobParts(newOnly.encrypt("x", { aad: SESSION }))[1]);
      expect(rotating.decrypt(blob, { aad: SESSION }).needsReencrypt).toBe(false);
    });

    it("parses current and previous secrets from the environment value", () => {
      const fromEnv = sessionCipherFromEnv(` ${CURRENT} , ${OLD},`);
      expect(fromEnv.keyCount).toBe(2);
      const oldBlob = oldCipher.encrypt("creds", { aad: SESSION });
      expect(fromEnv.decrypt(oldBlob, { aad: SESSION }).needsReencrypt).toBe(true);
      expect(newOnly.decrypt(fromEnv.encrypt("y", { aad: SESSION }), { aad: SESSION }).plaintext).toBe("y");
    });

    it("ignores a secret listed twice", () => {
      expect(createSessionCipher({ secrets: [CURRENT, CURRENT] }).keyCount).toBe(1);
    });
  });

  describe("secret handling", () => {
    it("refuses secrets shorter than 16 characters", () => {
      const error = captureError(() => createSessionCipher({ secrets: [CURRENT, "short-secret"] }));
      expect(error.message).toMatch(/#2 is too short: at least 16 characters/);
      expect(error.message).not.toContain("short-secret");
      expect(() => createSessionCipher({ secrets: ["x".repeat(15)] })).toThrow(SessionCryptoError);
      expect(() => createSessionCipher({ secrets: ["x".repeat(16)] })).not.toThrow();
    });

    it("refuses an empty configuration", () => {
      expect(() => createSessionCipher({ secrets: [] })).toThrow(/WHATSAPP_SESSION_SECRET/);
      expect(() => sessionCipherFromEnv(undefined)).toThrow(/WHATSAPP_SESSION_SECRET is not set/);
      expect(() => sessionCipherFromEnv(" , ")).toThrow(SessionCryptoError);
    });

    it("never shows secrets or keys in JSON, inspect or strings", () => {
      const rotating = createSessionCipher({ secrets: [CURRENT, OLD] });
      const renderings = [
        JSON.stringify(rotating),
        JSON.stringify({ nested: { rotating } }),
        inspect(rotating, { showHidden: true, depth: Infinity }),
        inspect({ rotating }),
        String(rotating),
        `${rotating}`,
      ];
      for (const text of renderings) {
        expect(text).toContain("[SessionCipher keys=2]");
        expect(text).not.toContain(CURRENT);
        expect(text).not.toContain(OLD);
      }
    });

    it("never shows secrets or plaintext in error messages", () => {
      const rotating = createSessionCipher({ secrets: [CURRENT, OLD] });
      const plaintext = "PLAINTEXT-MARKER-do-not-log";
      const blob = rotating.encrypt(plaintext, { aad: SESSION });
      const errors = [
        captureError(() => rotating.decrypt(blob, { aad: "other" })),
        captureError(() => rotating.decrypt(withPart(blob, 4, flipChar), { aad: SESSION })),
        captureError(() => createSessionCipher({ secrets: [OLD] }).decrypt(blob, { aad: SESSION })),
        captureError(() => rotating.decrypt("v1.zz", { aad: SESSION })),
        captureError(() => createSessionCipher({ secrets: ["tiny-secret"] })),
      ];
      for (const error of errors) {
        const rendered = [error.message, String(error), JSON.stringify(error), inspect(error, { depth: Infinity })];
        for (const text of rendered) {
          for (const hidden of [CURRENT, OLD, "tiny-secret", plaintext]) expect(text).not.toContain(hidden);
        }
      }
    });
  });
});
