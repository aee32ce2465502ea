import { open } from "node:fs/promises";

/**
 * nedb acknowledges a write once it is appended to the data file (`fs.appendFile`), without
 * fsync: that survives a crash of the process (the bytes are in the OS page cache) but not of the
 * machine. This flushes the file to disk as well. Writes finishing while a flush runs wait for
 * the next one (the running one may have started before them), and share it: one fsync covers
 * every write that finished before it started.
 */
export function createFileFlusher(filename: string): () => Promise<void> {
  let running: Promise<void> | null = null;
  let next: Promise<void> | null = null;

  async function flush(): Promise<void> {
    // The path, not a kept handle: compaction replaces the file with a new one.
    const handle = await open(filename, "r+");
    try {
      await handle.datasync();
    } finally {
      await handle.close();
    }
  }

  function start(): Promise<void> {
    running = flush().finally(() => {
      running = null;
    });
    return running;
  }

  return function flushWrites(): Promise<void> {
    if (next) return next;
    if (!running) return start();
    next = running
      .catch(() => undefined)
      .then(() => {
        next = null;
        return start();
      });
    return next;
  };
}
