import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { silentLogger, type Logger, type SessionRepository } from "@relance/core";
import { SessionCryptoError, type SessionCipher } from "../../crypto/session-cipher";
import type { Store } from "./library";

/**
 * Repository key of the archive's manifest. The archive (the zip RemoteAuth builds of the
 * profile, tens of MB for a real account) is stored as encrypted chunks `archive.<generation>.<i>`
 * so that no single value nears MongoDB's 16 MB document limit; the manifest names the current
 * generation and is written last, so a crash mid-save leaves the previous archive intact.
 */
export const ARCHIVE_KEY = "archive";
/** Raw archive bytes per chunk (about 7 MB once base64-encoded and encrypted). */
export const ARCHIVE_CHUNK_BYTES = 4 * 1024 * 1024;

interface ArchiveManifest {
  generation: string;
  chunks: number;
  bytes: number;
}

const chunkKey = (generation: string, index: number) => `${ARCHIVE_KEY}.${generation}.${index}`;

/**
 * Repository key of a save in progress: the generation being written and the one it replaces,
 * recorded before any chunk. A save that crashed (before or after its manifest) left chunks that
 * no manifest names; the next save reads this record and deletes them.
 */
export const ARCHIVE_PENDING_KEY = "archive-pending";

interface PendingSave {
  writing: { generation: string; chunks: number };
  replacing: { generation: string; chunks: number } | null;
}
/**
 * Repository key set by `disconnect` without logout: ensureReady must not reopen the session.
 * Its value is encrypted too, so that a key rotation over the session's entries finds only blobs.
 */
export const CLOSED_BY_REFERRER_KEY = "closed-by-referrer";

export function closedByReferrerValue(cipher: SessionCipher, sessionId: string, at: Date): string {
  return cipher.encrypt(at.toISOString(), { aad: JSON.stringify([sessionId, CLOSED_BY_REFERRER_KEY]) });
}

export interface RemoteAuthStoreOptions {
  sessions: SessionRepository;
  cipher: SessionCipher;
  /** Repository session id (one per referrer). */
  sessionId: string;
  /** RemoteAuth's session name, `RemoteAuth-<clientId>`: the only one this store serves. */
  sessionName: string;
  /** RemoteAuth's `dataPath`: where it writes `<sessionName>.zip` before calling `save`. */
  dataPath: string;
  logger?: Logger;
}

/**
 * RemoteAuth's `Store` on the storage port, one store per client. Two switches guard what the
 * library would otherwise do on its own: it deletes the stored session on every `disconnected`
 * (a CONFLICT included, which would unlink nobody yet lose the session), and it keeps backing up
 * on a timer, which must stop once the session is logged out or driven by another process.
 */
export interface RemoteAuthStore extends Store {
  /** From now on `delete` takes effect (a real logout). Until then it is ignored. */
  allowDeletion(): void;
  /** From now on `save` is ignored (logged out, or the lease went to another process). */
  stopWriting(): void;
}

export function createRemoteAuthStore(options: RemoteAuthStoreOptions): RemoteAuthStore {
  const { sessions, cipher, sessionId, sessionName, dataPath } = options;
  const logger = options.logger ?? silentLogger;
  const aadOf = (key: string) => JSON.stringify([sessionId, key]);
  let deletionAllowed = false;
  let writing = true;

  // save() only receives the session name: RemoteAuth leaves the zip at a path it does not pass.
  const archivePath = (session: string) => join(dataPath, `${ownSession(session)}.zip`);

  function ownSession(session: string): string {
    if (session !== sessionName) {
      throw new Error(`[wwebjs] this store serves session ${sessionName}, not ${session}`);
    }
    return session;
  }

  function decrypt(key: string, blob: string): { plaintext: string; needsReencrypt: boolean } {
    try {
      return cipher.decrypt(blob, { aad: aadOf(key) });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new SessionCryptoError(`Cannot decrypt the whatsapp-web.js session ${sessionId}: ${reason}`, error);
    }
  }

  async function readManifest(): Promise<{ manifest: ArchiveManifest; blob: string } | null> {
    const blob = (await sessions.get(sessionId, [ARCHIVE_KEY]))[ARCHIVE_KEY];
    if (blob === undefined) return null;
    return { manifest: JSON.parse(decrypt(ARCHIVE_KEY, blob).plaintext) as ArchiveManifest, blob };
  }

  async function deleteChunks(generation: { generation: string; chunks: number }): Promise<void> {
    const stale = Array.from({ length: generation.chunks }, (_, i) => [chunkKey(generation.generation, i), null] as const);
    if (stale.length > 0) await sessions.set(sessionId, Object.fromEntries(stale));
  }

  /** Chunks a crashed save left behind: any generation it names that is not the manifest's. */
  async function sweepCrashedSave(current: ArchiveManifest | null): Promise<void> {
    const blob = (await sessions.get(sessionId, [ARCHIVE_PENDING_KEY]))[ARCHIVE_PENDING_KEY];
    if (blob === undefined) return;
    let pending: PendingSave;
    try {
      pending = JSON.parse(decrypt(ARCHIVE_PENDING_KEY, blob).plaintext) as PendingSave;
    } catch {
      return;
    }
    for (const generation of [pending.writing, pending.replacing]) {
      if (generation && generation.generation !== current?.generation) await deleteChunks(generation);
    }
    await sessions.set(sessionId, { [ARCHIVE_PENDING_KEY]: null });
  }

  async function writeArchive(archive: Buffer): Promise<void> {
    const previous = await readManifest().catch(() => null);
    await sweepCrashedSave(previous?.manifest ?? null);
    const generation = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
    const chunks: Record<string, string> = {};
    let index = 0;
    for (let offset = 0; offset < archive.length || index === 0; offset += ARCHIVE_CHUNK_BYTES, index++) {
      const key = chunkKey(generation, index);
      chunks[key] = cipher.encrypt(archive.subarray(offset, offset + ARCHIVE_CHUNK_BYTES).toString("base64"), { aad: aadOf(key) });
    }
    const replacing = previous ? { generation: previous.manifest.generation, chunks: previous.manifest.chunks } : null;
    const pending: PendingSave = { writing: { generation, chunks: index }, replacing };
    await sessions.set(sessionId, { [ARCHIVE_PENDING_KEY]: cipher.encrypt(JSON.stringify(pending), { aad: aadOf(ARCHIVE_PENDING_KEY) }) });
    // One chunk per call keeps each write (and each MongoDB document) small.
    for (const [key, value] of Object.entries(chunks)) await sessions.set(sessionId, { [key]: value });
    const manifest: ArchiveManifest = { generation, chunks: index, bytes: archive.length };
    await sessions.set(sessionId, { [ARCHIVE_KEY]: cipher.encrypt(JSON.stringify(manifest), { aad: aadOf(ARCHIVE_KEY) }) });
    if (replacing) await deleteChunks(replacing);
    await sessions.set(sessionId, { [ARCHIVE_PENDING_KEY]: null });
  }

  async function readArchive(): Promise<{ archive: Buffer; needsReencrypt: boolean } | null> {
    const found = await readManifest();
    if (!found) return null;
    const { manifest } = found;
    const keys = Array.from({ length: manifest.chunks }, (_, i) => chunkKey(manifest.generation, i));
    const stored = await sessions.get(sessionId, keys);
    let needsReencrypt = cipher.decrypt(found.blob, { aad: aadOf(ARCHIVE_KEY) }).needsReencrypt;
    const parts = keys.map((key) => {
      const blob = stored[key];
      if (blob === undefined) throw new SessionCryptoError(`The whatsapp-web.js session ${sessionId} is incomplete (missing ${key})`);
      const chunk = decrypt(key, blob);
      needsReencrypt ||= chunk.needsReencrypt;
      return Buffer.from(chunk.plaintext, "base64");
    });
    const archive = Buffer.concat(parts);
    if (archive.length !== manifest.bytes) throw new SessionCryptoError(`The whatsapp-web.js session ${sessionId} is incomplete (size mismatch)`);
    return { archive, needsReencrypt };
  }

  return {
    async sessionExists({ session }) {
      ownSession(session);
      const stored = await sessions.get(sessionId, [ARCHIVE_KEY]);
      return stored[ARCHIVE_KEY] !== undefined;
    },

    async save({ session }) {
      const path = archivePath(session);
      if (!writing) {
        logger.debug({ sessionId }, "whatsapp-web.js backup ignored: this process no longer writes the session");
        return;
      }
      await writeArchive(await readFile(path));
    },

    async extract({ session, path }) {
      ownSession(session);
      const found = await readArchive();
      if (!found) throw new Error(`[wwebjs] no stored session ${sessionId} to extract`);
      await writeFile(path, found.archive, { mode: 0o600 });
      // Nobody else writes this session while we hold its lease: rotating now loses nothing.
      if (found.needsReencrypt && writing) await writeArchive(found.archive);
    },

    async delete({ session }) {
      ownSession(session);
      if (!deletionAllowed) {
        logger.info({ sessionId }, "whatsapp-web.js asked to delete the stored session without a logout: kept");
        return;
      }
      await sessions.clear(sessionId);
    },

    allowDeletion() {
      deletionAllowed = true;
    },

    stopWriting() {
      writing = false;
    },
  };
}
