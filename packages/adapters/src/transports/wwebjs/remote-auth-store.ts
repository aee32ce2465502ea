import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { silentLogger, type Logger } from "@relance/core";
import type { SessionRepository } from "../../ports/session-repository.js";
import { SessionCryptoError, type SessionCipher } from "../../crypto/session-cipher.js";
import type { Store } from "./library.js";

/**
 * Repository key of the archive's manifest. The archive (the zip RemoteAuth builds of the
 * profile, tens of MB for a real account) is stored as encrypted chunks `archive.<generation>.<i>`
 * so that no single value nears MongoDB's 16 MB document limit; the manifest names the current
 * generation and is written last, so a crash mid-save leaves the previous archive intact.
 *
 * The manifest also keeps the generation before it. RemoteAuth zips the profile of a running
 * Chromium (RemoteAuth.js:134-161, 200-221): a copy taken mid-write can be torn although it was
 * stored whole. When restoring the newest one makes WhatsApp Web ask for a QR, the previous one is
 * tried before the session is given up.
 */
export const ARCHIVE_KEY = "archive";
/** Raw archive bytes per chunk (about 7 MB once base64-encoded and encrypted). */
export const ARCHIVE_CHUNK_BYTES = 4 * 1024 * 1024;

interface ArchiveGeneration {
  generation: string;
  chunks: number;
  bytes: number;
}

interface ArchiveManifest extends ArchiveGeneration {
  previous?: ArchiveGeneration;
}

const chunkKey = (generation: string, index: number) => `${ARCHIVE_KEY}.${generation}.${index}`;

/**
 * Repository key of a save in progress: the generation being written and the ones the new
 * manifest drops, recorded before any chunk. A save that crashed (before or after its manifest)
 * left chunks that no manifest names; the next save reads this record and deletes them.
 */
export const ARCHIVE_PENDING_KEY = "archive-pending";

interface PendingSave {
  writing: ArchiveGeneration | null;
  dropping: ArchiveGeneration[];
}
/** Set by `disconnect` without logout: ensureReady must not reopen the session (shared with Baileys). */
export { CLOSED_BY_REFERRER_KEY } from "../session/restore-guard.js";

export interface RemoteAuthStoreOptions {
  sessions: SessionRepository;
  cipher: SessionCipher;
  /** Repository session id (one per referrer). */
  sessionId: string;
  /** RemoteAuth's session name, `RemoteAuth-<clientId>`: the only one this store serves. */
  sessionName: string;
  /** RemoteAuth's `dataPath`: where it writes `<sessionName>.zip` before calling `save`. */
  dataPath: string;
  /** Which generation `extract` restores: the newest (default), or the one kept before it. */
  generation?: "current" | "previous";
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
  /**
   * The stored session was not accepted and a new link is under way (a QR or a pairing code is
   * showing): until the next save, `sessionExists` answers false, so that RemoteAuth backs the new
   * link up after its stabilisation delay (RemoteAuth.js:118-127) instead of waiting for the
   * periodic backup, which would leave only the refused session stored if the process died.
   */
  treatAsNew(): void;
  /** True when a generation older than the newest is kept (and this store does not restore it already). */
  hasPrevious(): Promise<boolean>;
  /**
   * After a session restored from the previous generation became ready: that generation becomes
   * the newest again and the one WhatsApp refused is deleted. Nothing otherwise.
   */
  adoptRestored(): Promise<void>;
}

export function createRemoteAuthStore(options: RemoteAuthStoreOptions): RemoteAuthStore {
  const { sessions, cipher, sessionId, sessionName, dataPath } = options;
  const logger = options.logger ?? silentLogger;
  const aadOf = (key: string) => JSON.stringify([sessionId, key]);
  let deletionAllowed = false;
  let storedIsStale = false;
  let writing = true;
  const isWriting = () => writing;

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

  const generationKeys = (entry: ArchiveGeneration | undefined) => (entry ? Array.from({ length: entry.chunks }, (_, i) => chunkKey(entry.generation, i)) : []);
  const keptBy = (manifest: ArchiveManifest | null | undefined) => new Set([manifest?.generation, manifest?.previous?.generation]);

  async function deleteChunks(entries: ReadonlyArray<ArchiveGeneration>): Promise<void> {
    const stale = entries.flatMap(generationKeys);
    if (stale.length > 0) await sessions.set(sessionId, Object.fromEntries(stale.map((key) => [key, null])));
  }

  /** Chunks a crashed save left behind: any generation it names that the manifest does not keep. */
  async function sweepCrashedSave(current: ArchiveManifest | null | undefined): Promise<void> {
    const blob = (await sessions.get(sessionId, [ARCHIVE_PENDING_KEY]))[ARCHIVE_PENDING_KEY];
    if (blob === undefined) return;
    let pending: PendingSave;
    try {
      pending = JSON.parse(decrypt(ARCHIVE_PENDING_KEY, blob).plaintext) as PendingSave;
    } catch {
      return;
    }
    const kept = keptBy(current);
    await deleteChunks([pending.writing, ...(pending.dropping ?? [])].filter((entry): entry is ArchiveGeneration => !!entry && !kept.has(entry.generation)));
    await sessions.set(sessionId, { [ARCHIVE_PENDING_KEY]: null });
  }

  /** Before anything of a save is written: what it writes and what it drops, for `sweepCrashedSave`. */
  async function beginSave(current: ArchiveManifest | null | undefined, pending: PendingSave): Promise<void> {
    await sweepCrashedSave(current);
    await sessions.set(sessionId, { [ARCHIVE_PENDING_KEY]: cipher.encrypt(JSON.stringify(pending), { aad: aadOf(ARCHIVE_PENDING_KEY) }) });
  }

  async function writeManifest(manifest: ArchiveManifest, stale: ReadonlyArray<ArchiveGeneration>): Promise<void> {
    await sessions.set(sessionId, { [ARCHIVE_KEY]: cipher.encrypt(JSON.stringify(manifest), { aad: aadOf(ARCHIVE_KEY) }) });
    await deleteChunks(stale);
    await sessions.set(sessionId, { [ARCHIVE_PENDING_KEY]: null });
  }

  /** The generations a new manifest no longer names, of those listed. */
  function droppedBy(manifest: ArchiveManifest, listed: ReadonlyArray<ArchiveGeneration | undefined>): ArchiveGeneration[] {
    const kept = keptBy(manifest);
    return listed
      .filter((entry): entry is ArchiveGeneration => !!entry && !kept.has(entry.generation))
      .map(({ generation, chunks, bytes }) => ({ generation, chunks, bytes }));
  }

  /** Writes a new newest generation; `previous` is kept behind it (default: the newest so far). */
  async function writeArchive(archive: Buffer, keep?: { previous: ArchiveGeneration | undefined }): Promise<void> {
    const old = (await readManifest().catch(() => null))?.manifest;
    const generation = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
    const chunks: Record<string, string> = {};
    let index = 0;
    for (let offset = 0; offset < archive.length || index === 0; offset += ARCHIVE_CHUNK_BYTES, index++) {
      const key = chunkKey(generation, index);
      chunks[key] = cipher.encrypt(archive.subarray(offset, offset + ARCHIVE_CHUNK_BYTES).toString("base64"), { aad: aadOf(key) });
    }
    const previous = keep ? keep.previous : old && { generation: old.generation, chunks: old.chunks, bytes: old.bytes };
    const manifest: ArchiveManifest = { generation, chunks: index, bytes: archive.length, ...(previous ? { previous } : {}) };
    const stale = droppedBy(manifest, [old, old?.previous]);
    await beginSave(old, { writing: { generation, chunks: index, bytes: archive.length }, dropping: stale });
    // One chunk per call keeps each write (and each MongoDB document) small. A save told to stop
    // midway (the lease went to another process) writes no manifest: its chunks are orphans the
    // next save deletes, and the stored session stays the one before.
    for (const [key, value] of Object.entries(chunks)) {
      if (!isWriting()) return;
      await sessions.set(sessionId, { [key]: value });
    }
    if (!isWriting()) return;
    await writeManifest(manifest, stale);
  }

  let restoredPrevious = false;

  async function readArchive(): Promise<{ archive: Buffer; needsReencrypt: boolean; manifest: ArchiveManifest; entry: ArchiveGeneration } | null> {
    const found = await readManifest();
    if (!found) return null;
    const entry = options.generation === "previous" ? found.manifest.previous : found.manifest;
    if (!entry) return null;
    const manifest = entry;
    const keys = generationKeys(manifest);
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
    return { archive, needsReencrypt, manifest: found.manifest, entry };
  }

  return {
    async sessionExists({ session }) {
      ownSession(session);
      if (storedIsStale) return false;
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
      storedIsStale = false;
    },

    async extract({ session, path }) {
      ownSession(session);
      const found = await readArchive();
      if (!found) throw new Error(`[wwebjs] no stored session ${sessionId} to extract`);
      await writeFile(path, found.archive, { mode: 0o600 });
      restoredPrevious = options.generation === "previous";
      // Nobody else writes this session while we hold its lease: rotating now loses nothing.
      if (found.needsReencrypt && writing && !restoredPrevious) await writeArchive(found.archive, { previous: found.manifest.previous });
    },

    async hasPrevious() {
      if (options.generation === "previous") return false;
      return (await readManifest())?.manifest.previous !== undefined;
    },

    async adoptRestored() {
      if (!restoredPrevious || !writing) return;
      restoredPrevious = false;
      const current = (await readManifest())?.manifest;
      if (!current?.previous) return;
      const stale = droppedBy(current.previous, [current]);
      await beginSave(current, { writing: null, dropping: stale });
      await writeManifest(current.previous, stale);
      logger.warn({ sessionId }, "whatsapp-web.js session restored from the previous backup: the newest one was not accepted and is deleted");
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

    treatAsNew() {
      storedIsStale = true;
    },
  };
}
