import { createHmac, timingSafeEqual } from "node:crypto";
import { ApiError } from "./errors.js";

/**
 * Page cursors as the HTTP API hands them out: the storage's own cursor, bound to the listing
 * it continues (referrer and filter) and signed. A cursor that is malformed, tampered with, or
 * taken from another listing is then a 400 — never a silently empty page, and never a way to
 * feed the storage a position it did not produce. Valid as long as the secret is.
 */
export class CursorCodec {
  private readonly key: Buffer;

  constructor(secret: string) {
    // Derived, so that a cursor's signature can never pass for anything signed with the secret itself.
    this.key = createHmac("sha256", secret).update("relance:page-cursor:v1").digest();
  }

  seal(storageCursor: string | null, scope: string): string | null {
    if (storageCursor === null) return null;
    const payload = Buffer.from(JSON.stringify({ c: storageCursor, s: scope })).toString("base64url");
    return `${payload}.${this.sign(payload)}`;
  }

  /** The storage cursor inside `cursor`, or a 400 `invalid_request` naming the `cursor` field. */
  open(cursor: string, scope: string): string {
    const [payload, signature, extra] = cursor.split(".");
    if (!payload || !signature || extra !== undefined || !this.verify(payload, signature)) throw invalidCursor("not a cursor this API returned");
    let decoded: unknown;
    try {
      decoded = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
    } catch {
      throw invalidCursor("not a cursor this API returned");
    }
    const { c, s } = (decoded ?? {}) as { c?: unknown; s?: unknown };
    if (typeof c !== "string") throw invalidCursor("not a cursor this API returned");
    if (s !== scope) throw invalidCursor("belongs to another listing (other user or filter)");
    return c;
  }

  private sign(payload: string): string {
    return createHmac("sha256", this.key).update(payload).digest("base64url");
  }

  private verify(payload: string, signature: string): boolean {
    const expected = Buffer.from(this.sign(payload));
    const given = Buffer.from(signature);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
}

function invalidCursor(why: string): ApiError {
  return new ApiError(400, "invalid_request", "Invalid cursor", [{ path: "cursor", message: why }]);
}
