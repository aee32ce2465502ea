import { randomUUID } from "node:crypto";
import type { Stats } from "node:fs";
import { link, mkdir, open, realpath, rename, stat, unlink, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { StorageError } from "@relance/core";

/** In the data directory; holds the PID of the process whose store has the directory open. */
export const LOCK_FILE = ".relance.lock";

/** Real paths of the data directories a file store of this process has open. */
const openDirs = new Set<string>();

/** Rounds of "create, else judge the holder" before giving up on a lock that keeps changing hands. */
const MAX_ATTEMPTS = 5;
/** A lock without a PID may be one its creator is still writing: read it again this many times. */
const UNREADABLE_RETRIES = 10;
const UNREADABLE_RETRY_MS = 20;

export interface DataDirLock {
  /** The data directory's real path. */
  readonly dir: string;
  /** Removes the lock file (if it is still this one) and frees the directory in this process. Idempotent. */
  release(): Promise<void>;
}

/** Which file a path named when it was looked at: a replaced lock is another file. */
interface FileIdentity {
  dev: number;
  ino: number;
  mtimeMs: number;
}

interface Holder extends FileIdentity {
  /** Null when the file holds no PID (empty or garbled). */
  pid: number | null;
}

/**
 * Two nedb instances on one directory each replay the files into their own memory and append to
 * them blindly: every atomic operation stops being atomic and each compaction erases the other's
 * writes. So a file store holds `<dataDir>/.relance.lock`, created exclusively with its PID in it.
 * A lock whose PID is dead (the process crashed or was killed) is stale and taken over; one whose
 * PID is alive, or this process with the directory already open, is refused. PIDs are those of
 * this host (and PID namespace): the lock does not protect a directory shared over the network.
 */
export async function lockDataDir(dataDir: string): Promise<DataDirLock> {
  const dir = await attempt(`data directory ${dataDir}`, async () => {
    await mkdir(dataDir, { recursive: true });
    return realpath(dataDir);
  });
  // Checked and reserved with no await in between: two stores of this process opening the same
  // directory at once see each other here.
  if (openDirs.has(dir)) throw alreadyUsed(dir, process.pid);
  openDirs.add(dir);

  const path = join(dir, LOCK_FILE);
  let identity: FileIdentity;
  try {
    identity = await takeLockFile(dir, path);
  } catch (error) {
    openDirs.delete(dir);
    throw error;
  }

  let released = false;
  return {
    dir,
    async release() {
      if (released) return;
      await attempt(`release of ${path}`, async () => {
        const current = await stat(path).catch(ignoreMissing);
        // Only our own file: if the lock was replaced meanwhile, it is not ours to remove.
        if (current && sameFile(current, identity)) await unlink(path).catch(ignoreMissing);
      });
      released = true;
      openDirs.delete(dir);
    },
  };
}

function alreadyUsed(dir: string, pid: number): StorageError {
  return new StorageError(`[file] ${dir} is already used by process ${pid}; the file store serves one process (use MongoDB for several)`);
}

async function takeLockFile(dir: string, path: string): Promise<FileIdentity> {
  for (let round = 0; round < MAX_ATTEMPTS; round += 1) {
    const created = await attempt(`lock ${path}`, () => createExclusive(path));
    if (created) return created;
    const holder = await attempt(`lock ${path}`, () => readHolder(path));
    // Released between our attempt and the read: try again.
    if (!holder) continue;
    // This process's PID without the directory in `openDirs` (checked by the caller) is a lock
    // left by an earlier process that had the same PID: a restarted container's PID 1, say.
    if (holder.pid !== null && holder.pid !== process.pid && isAlive(holder.pid)) throw alreadyUsed(dir, holder.pid);
    await attempt(`takeover of the stale lock ${path}`, () => removeStale(path, holder));
  }
  throw new StorageError(`[file] could not take the lock ${path}: it kept changing hands`);
}

/** The new lock's identity, or null when a lock already exists. */
async function createExclusive(path: string): Promise<FileIdentity | null> {
  let handle: FileHandle;
  try {
    handle = await open(path, "wx");
  } catch (error) {
    if (errorCode(error) === "EEXIST") return null;
    throw error;
  }
  let written = false;
  try {
    await handle.writeFile(`${process.pid}\n`);
    const identity = identityOf(await handle.stat());
    written = true;
    return identity;
  } finally {
    await handle.close();
    // Not left behind without its PID: others would have to wait to judge it stale.
    if (!written) await unlink(path).catch(() => undefined);
  }
}

/** The current lock's holder, or null when there is no lock any more. */
async function readHolder(path: string): Promise<Holder | null> {
  for (let read = 0; ; read += 1) {
    const handle = await open(path, "r").catch(ignoreMissing);
    if (!handle) return null;
    let holder: Holder;
    try {
      const content = await handle.readFile("utf8");
      const pid = /^\s*(\d+)\s*$/.exec(content)?.[1];
      holder = { ...identityOf(await handle.stat()), pid: pid !== undefined && Number(pid) > 0 ? Number(pid) : null };
    } finally {
      await handle.close();
    }
    // Still without a PID after a while: its creator died between creating and writing it.
    if (holder.pid !== null || read >= UNREADABLE_RETRIES) return holder;
    await sleep(UNREADABLE_RETRY_MS);
  }
}

/**
 * Moves the stale lock aside, then deletes it. The rename is atomic, so of several processes
 * taking over the same stale lock only one moves it; one that moved a lock other than the stale
 * one it judged (a live holder's, created meanwhile) puts it back.
 */
async function removeStale(path: string, stale: FileIdentity): Promise<void> {
  const aside = `${path}.${process.pid}.${randomUUID()}`;
  try {
    await rename(path, aside);
  } catch (error) {
    if (errorCode(error) === "ENOENT") return;
    throw error;
  }
  const moved = await stat(aside);
  if (!sameFile(moved, stale)) {
    await link(aside, path).catch((error: unknown) => {
      // Another lock took its place meanwhile: that one stands.
      if (errorCode(error) !== "EEXIST") throw error;
    });
  }
  await unlink(aside);
}

/** `kill(pid, 0)` checks that the process exists without signalling it; EPERM means it does. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errorCode(error) !== "ESRCH";
  }
}

function identityOf(stats: Stats): FileIdentity {
  return { dev: stats.dev, ino: stats.ino, mtimeMs: stats.mtimeMs };
}

function sameFile(stats: Stats, identity: FileIdentity): boolean {
  return stats.dev === identity.dev && stats.ino === identity.ino && stats.mtimeMs === identity.mtimeMs;
}

function errorCode(error: unknown): unknown {
  return typeof error === "object" && error !== null ? (error as { code?: unknown }).code : undefined;
}

function ignoreMissing(error: unknown): null {
  if (errorCode(error) === "ENOENT") return null;
  throw error;
}

async function attempt<T>(what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof StorageError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new StorageError(`[file] ${what} failed: ${reason}`, error);
  }
}
