import type { Logger } from "@relance/core";
import type { SessionRepository } from "../ports/session-repository.js";
import { keyIdOf, type SessionCipher } from "./session-cipher.js";

export interface ReencryptionReport {
  /** Session blobs looked at. */
  blobs: number;
  /** Moved to the current key by this run. */
  reencrypted: number;
  /** Blobs per key id once the run is over (the current key's included). */
  byKey: Record<string, number>;
  /** Blobs still on another key than the current one: undecryptable with the configured secrets, or rewritten meanwhile by their session. */
  onOldKeys: number;
}

/**
 * Key rotation without waiting for every session to be loaded: walks every stored blob, and
 * re-encrypts those on an old key with the current one. Each swap is a compare-and-set
 * (`replaceIf`), so a session writing the same entry meanwhile always wins. Once the report says
 * `onOldKeys: 0`, the old secret can be removed from `WHATSAPP_SESSION_SECRET`.
 */
export async function reencryptSessions(
  sessions: SessionRepository,
  cipher: SessionCipher,
  options: { batchSize?: number; logger?: Logger } = {},
): Promise<ReencryptionReport> {
  const batchSize = options.batchSize ?? 200;
  const report: ReencryptionReport = { blobs: 0, reencrypted: 0, byKey: {}, onOldKeys: 0 };
  const count = (keyId: string) => (report.byKey[keyId] = (report.byKey[keyId] ?? 0) + 1);
  let after: { sessionId: string; key: string } | null = null;
  for (;;) {
    const page = await sessions.scan(after, batchSize);
    for (const entry of page) {
      const keyId = keyIdOf(entry.value);
      if (keyId === null) continue;
      report.blobs += 1;
      if (keyId === cipher.currentKeyId) {
        count(keyId);
        continue;
      }
      let fresh: string;
      try {
        fresh = cipher.reencrypt(entry.value, JSON.stringify([entry.sessionId, entry.key]));
      } catch {
        // Its key is not configured any more, or the blob is damaged: reported, left as is.
        count(keyId);
        report.onOldKeys += 1;
        continue;
      }
      if (await sessions.replaceIf(entry.sessionId, entry.key, entry.value, fresh)) {
        report.reencrypted += 1;
        count(cipher.currentKeyId);
      } else {
        // Rewritten (with the current key) or deleted by its session meanwhile: read it again.
        const now = (await sessions.get(entry.sessionId, [entry.key]))[entry.key];
        const nowKey = now === undefined ? null : keyIdOf(now);
        if (nowKey !== null) count(nowKey);
        if (nowKey !== null && nowKey !== cipher.currentKeyId) report.onOldKeys += 1;
      }
    }
    if (page.length < batchSize) break;
    after = page[page.length - 1]!;
  }
  options.logger?.info({ ...report }, "session blobs re-encrypted with the current key");
  return report;
}
