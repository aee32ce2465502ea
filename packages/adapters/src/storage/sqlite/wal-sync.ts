import { close, closeSync, fdatasync, fdatasyncSync, fsync, openSync } from "node:fs";
import { dirname } from "node:path";

/**
 * Makes what was committed durable. `CommitGroups` acknowledges a call only once a `sync()`
 * started after its transaction's COMMIT has resolved.
 */
export interface DurableSync {
  /** Flushes everything committed so far to the disk, off the event loop. */
  sync(): Promise<void>;
  /** The same, blocking (before close). */
  syncNow(): void;
  close(): void;
}

/**
 * The fsync of a `synchronous = FULL` commit, taken off the main thread. better-sqlite3 runs
 * COMMIT synchronously, so with FULL every commit's fsync of the WAL blocked the event loop for as
 * long as the disk took (2-3 ms here at the median, 50-300 ms at worst on a busy disk: `/health`
 * waited as long). The connection runs with `synchronous = NORMAL` instead (a COMMIT writes the
 * WAL, without fsync; SQLite still syncs the WAL before and the database after every checkpoint),
 * and this object fdatasyncs the WAL file on libuv's thread pool; a call is acknowledged only once
 * that sync, started after its COMMIT, succeeded — what a caller is told was written survives a
 * power loss, as with FULL. fsync applies to the file, whichever descriptor wrote it. The WAL
 * keeps its inode while a connection is open (SQLite deletes it when the last one closes, resets
 * and truncates it in place), and this descriptor lives no longer than ours. As SQLite does for a
 * new WAL, its directory is synced once, so the file's name is durable too.
 */
export class WalSync implements DurableSync {
  private fd: number | null = null;
  private directorySynced = false;
  /** Syncs running per descriptor: a descriptor closed under a running fdatasync could be reused by another file. */
  private readonly running = new Map<number, number>();
  private readonly retired = new Set<number>();

  constructor(private readonly walPath: string) {}

  async sync(): Promise<void> {
    const fd = this.open();
    this.running.set(fd, (this.running.get(fd) ?? 0) + 1);
    try {
      if (!this.directorySynced) {
        await syncDirectory(dirname(this.walPath));
        this.directorySynced = true;
      }
      await new Promise<void>((resolve, reject) => fdatasync(fd, (error) => (error ? reject(error) : resolve())));
    } finally {
      const left = this.running.get(fd)! - 1;
      if (left > 0) this.running.set(fd, left);
      else {
        this.running.delete(fd);
        if (this.retired.delete(fd)) closeSync(fd);
      }
    }
  }

  syncNow(): void {
    fdatasyncSync(this.open());
  }

  /**
   * Forgets the descriptor (the connection closed: SQLite may delete the WAL, and a reopened
   * connection may create another file); closed once no sync runs on it.
   */
  close(): void {
    const fd = this.fd;
    this.fd = null;
    this.directorySynced = false;
    if (fd === null) return;
    if (this.running.has(fd)) this.retired.add(fd);
    else closeSync(fd);
  }

  private open(): number {
    // Opened at the first sync: the WAL exists once the connection has read or written.
    this.fd ??= openSync(this.walPath, "r+");
    return this.fd;
  }
}

function syncDirectory(path: string): Promise<void> {
  return new Promise((resolve) => {
    let fd: number;
    try {
      fd = openSync(path, "r");
    } catch {
      // No directory handle on this platform (Windows): its file system orders the entry itself.
      resolve();
      return;
    }
    fsync(fd, () => close(fd, () => resolve()));
  });
}
