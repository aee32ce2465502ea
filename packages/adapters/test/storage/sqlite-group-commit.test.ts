import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { StorageBackend } from "../../src/ports/index.js";
import { createSqliteStorage } from "../../src/storage/sqlite/index.js";

const DAY = "2026-01-05";
const dirs: string[] = [];
const open: StorageBackend[] = [];

async function storageIn(dataDir: string): Promise<StorageBackend> {
  const storage = createSqliteStorage({ dataDir });
  await storage.init();
  open.push(storage);
  return storage;
}

afterEach(async () => {
  for (const storage of open.splice(0)) await storage.close();
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function freshDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "relance-group-"));
  dirs.push(dir);
  return dir;
}

describe("SQLite group commit", () => {
  it("a burst of concurrent calls lets the event loop run between them (one transaction per turn)", async () => {
    const storage = await storageIn(await freshDir());
    let done = 0;
    let doneWhenLoopRan: number | null = null;
    setImmediate(() => {
      doneWhenLoopRan = done;
    });
    // 20 senders, 25 sequential writes each: synchronous statements chained by promises used to
    // run all 500 before anything else (a timer, an HTTP request) got the event loop.
    await Promise.all(
      Array.from({ length: 20 }, async (_, sender) => {
        for (let i = 0; i < 25; i++) {
          await storage.counters.tryIncrement(`referrer-${sender}`, DAY, 1_000);
          done += 1;
        }
      }),
    );
    expect(done).toBe(500);
    expect(doneWhenLoopRan).not.toBeNull();
    expect(doneWhenLoopRan!).toBeLessThan(500);
    expect(await storage.counters.get("referrer-7", DAY)).toBe(25);
  });

  it("however big the burst, the event loop runs between every few dozen calls (bounded ticks)", async () => {
    const storage = await storageIn(await freshDir());
    let done = 0;
    let running = true;
    const seen: number[] = [];
    const sample = () => {
      seen.push(done);
      if (running) setImmediate(sample);
    };
    setImmediate(sample);
    // 500 senders, 4 sequential writes each: 2,000 calls waiting at once.
    await Promise.all(
      Array.from({ length: 500 }, async (_, sender) => {
        for (let i = 0; i < 4; i++) {
          await storage.counters.tryIncrement(`referrer-${sender}`, DAY, 1_000);
          done += 1;
        }
      }),
    );
    running = false;
    expect(done).toBe(2_000);
    const steps = seen.slice(1).map((count, i) => count - seen[i]!);
    // At most one tick's slice of callers (64 by default) moves on between two turns of the loop.
    expect(Math.max(...steps)).toBeLessThanOrEqual(64);
    expect(await storage.counters.get("referrer-499", DAY)).toBe(4);
  });

  it("a call resolves once its write is committed: another connection to the file sees it", async () => {
    const dir = await freshDir();
    const writer = await storageIn(dir);
    const reader = await storageIn(dir);
    const counts = await Promise.all(Array.from({ length: 10 }, () => writer.counters.tryIncrement("referrer-1", DAY, 5)));
    expect(counts.filter((count) => count !== null).sort()).toEqual([1, 2, 3, 4, 5]);
    expect(await reader.counters.get("referrer-1", DAY)).toBe(5);
  });

  it("a call that fails does not undo the others of its turn", async () => {
    const storage = await storageIn(await freshDir());
    const [ok, refused] = await Promise.allSettled([
      storage.counters.tryIncrement("referrer-1", DAY, 5),
      storage.sessions.get(undefined as unknown as string, undefined as never),
    ]);
    expect(ok).toEqual({ status: "fulfilled", value: 1 });
    expect(refused.status).toBe("rejected");
    await storage.close();
    const reopened = await storageIn(dirs[0]!);
    expect(await reopened.counters.get("referrer-1", DAY)).toBe(1);
  });
});
