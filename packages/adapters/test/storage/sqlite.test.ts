import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import type { StorageBackend } from "../../src/ports/index.js";
import Database from "better-sqlite3";
import { createSqliteStorage, SQLITE_FILENAME } from "../../src/storage/sqlite/index.js";
import { decode } from "../../src/storage/sqlite/codec.js";
import { makeTarget, runStorageContract, T0, type RawDocument } from "../../src/testing/index.js";

const REPO_ROOT = fileURLToPath(new URL("../../../../", import.meta.url));
const SQLITE_STORAGE = pathToFileURL(fileURLToPath(new URL("../../src/storage/sqlite/index.ts", import.meta.url))).href;

const dirs: string[] = [];
const dirOf = new WeakMap<StorageBackend, string>();

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "relance-sqlite-"));
  dirs.push(dir);
  return dir;
}

async function open(dataDir: string): Promise<StorageBackend> {
  const storage = createSqliteStorage({ dataDir });
  await storage.init();
  dirOf.set(storage, dataDir);
  return storage;
}

/** Reads a stored document around the adapter, through a connection of its own. */
function rawDoc(dataDir: string, sql: string, key: unknown): RawDocument | null {
  const db = new Database(join(dataDir, SQLITE_FILENAME), { readonly: true });
  try {
    const row = db.prepare(sql).get(key) as { doc: string } | undefined;
    return row ? decode<RawDocument>(row.doc) : null;
  } finally {
    db.close();
  }
}

afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

runStorageContract("sqlite", {
  create: async () => open(await tempDir()),
  raw(storage) {
    const dir = dirOf.get(storage)!;
    return {
      findTarget: async (id) => rawDoc(dir, "SELECT doc FROM targets WHERE id = ?", id),
      findMessage: async (dayNumber) => rawDoc(dir, "SELECT doc FROM messages WHERE dayNumber = ?", dayNumber),
      findConfig: async (referrerUserId) => rawDoc(dir, "SELECT doc FROM configs WHERE referrerUserId = ?", referrerUserId),
    };
  },
  async reopen(storage) {
    await storage.close();
    return open(dirOf.get(storage)!);
  },
});

/**
 * Writes to every repository, prints "acked", then inserts targets one after the other, printing
 * "acked <id>" after each resolves, until it is killed with SIGKILL mid-stream.
 */
const WRITER = `
import { createSqliteStorage } from ${JSON.stringify(SQLITE_STORAGE)};
const storage = createSqliteStorage({ dataDir: process.argv[2] });
await storage.init();
const t0 = new Date("2026-01-05T10:00:00Z");
const target = (id) => ({
  id, referrerUserId: "crash-referrer", referralUserId: "referral-" + id, status: "active", currentDay: 1,
  nextMessageDue: t0, language: "fr", contact: { phone: "+33600000000", name: id, paymentLink: null },
  messagesDelivered: [], failedAttempts: 0, lastSentDay: null, enteredLoopAt: t0, exitedLoopAt: null,
  exitReason: null, claim: null, revision: 0, updatedAt: t0,
});
await storage.configs.getOrCreate({
  referrerUserId: "crash-referrer", enabled: true, enrollmentPaused: false, sendingPaused: false,
  timezone: "Europe/Paris", sendWindow: { start: "08:00", end: "20:00" },
  whatsapp: { status: "connected", phone: null, linkedAt: t0, lastError: null, updatedAt: t0 },
  failureNotifiedAt: null, createdAt: t0, updatedAt: t0,
});
await storage.messages.upsert({ dayNumber: 1, messageTemplate: { fr: "Bonjour" }, mediaUrls: [], active: true });
for (let i = 0; i < 3; i += 1) await storage.counters.tryIncrement("crash-referrer", "2026-01-05", 10);
await storage.doNotContact.add({ phone: "+33611111111", reason: "opted_out", referrerUserId: null, addedAt: t0 });
await storage.leases.acquire("session:crash-referrer", "crash-worker", t0, 3600000);
await storage.sessions.set("crash-referrer", { creds: "secret" });
await storage.targets.insertIfAbsent(target("crash-claimed"));
await storage.targets.updateIf("crash-claimed", { status: "active", currentDay: 1 }, {
  claim: { owner: "crash-worker", day: 1, stage: "sending", at: t0, expiresAt: new Date(t0.getTime() + 60000) },
  updatedAt: t0,
});
process.stdout.write("acked\\n");
for (let i = 0; ; i += 1) {
  const id = "crash-" + String(i).padStart(6, "0");
  await storage.targets.insertIfAbsent(target(id));
  process.stdout.write("acked " + id + "\\n");
}
`;

async function runCrashingWriter(dataDir: string, { killAfterTargets }: { killAfterTargets: number }) {
  const script = join(dataDir, "writer.mjs");
  await writeFile(script, WRITER);
  const child = spawn(process.execPath, ["--import", "tsx", script, dataDir], { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] });
  const ackedTargetIds: string[] = [];
  let stderr = "";
  let buffered = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on("exit", (_code, signal) => resolve(signal)));
  child.stdout.on("data", (chunk: Buffer) => {
    buffered += chunk.toString();
    const lines = buffered.split("\n");
    buffered = lines.pop()!;
    for (const line of lines) {
      const match = /^acked (\S+)$/.exec(line);
      if (match) ackedTargetIds.push(match[1]!);
    }
    if (ackedTargetIds.length >= killAfterTargets) child.kill("SIGKILL");
  });
  const signal = await exited;
  if (signal !== "SIGKILL") throw new Error(`writer exited on its own (signal ${signal}): ${stderr}`);
  return { ackedTargetIds };
}

describe("sqlite storage", () => {
  it("creates a missing data directory holding one database file", async () => {
    const dataDir = join(await tempDir(), "nested", "data");
    const storage = await open(dataDir);
    await storage.ping();
    await storage.close();
    const db = new Database(join(dataDir, SQLITE_FILENAME), { readonly: true });
    try {
      expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
    } finally {
      db.close();
    }
  });

  it("refuses use after close with a [sqlite] StorageError", async () => {
    const storage = await open(await tempDir());
    await storage.close();
    await storage.close();
    await expect(storage.targets.get("target-1")).rejects.toMatchObject({ code: "storage_failure", message: expect.stringMatching(/^\[sqlite\]/) });
  });

  it("wraps driver errors in a [sqlite] StorageError with the original as cause", async () => {
    const dataDir = await tempDir();
    await writeFile(join(dataDir, SQLITE_FILENAME), "not a database ".repeat(100));
    const error = await createSqliteStorage({ dataDir }).init().then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: "storage_failure", message: expect.stringMatching(/^\[sqlite\] open failed: /) });
    expect((error as Error).cause).toBeInstanceOf(Error);
  });

  it("several stores share one file: each sees the others' writes, and unique keys hold across them", async () => {
    const dataDir = await tempDir();
    const [first, second] = [await open(dataDir), await open(dataDir)];
    try {
      const target = makeTarget();
      expect(await first.targets.insertIfAbsent(target)).toBe(true);
      expect(await second.targets.insertIfAbsent(makeTarget({ referralUserId: target.referralUserId }))).toBe(false);
      expect(await second.targets.get(target.id)).toEqual(target);
      const claim = { owner: "b", day: 1, stage: "claimed" as const, at: T0, expiresAt: new Date(T0.getTime() + 60_000) };
      expect(await second.targets.updateIf(target.id, { unclaimedAt: T0 }, { claim, updatedAt: T0 })).not.toBeNull();
      expect(await first.targets.updateIf(target.id, { unclaimedAt: T0 }, { claim: { ...claim, owner: "a" }, updatedAt: T0 })).toBeNull();
    } finally {
      await first.close();
      await second.close();
    }
  });

  it("keeps every acknowledged write when the writing process is killed with SIGKILL", async () => {
    const dataDir = await tempDir();
    const { ackedTargetIds } = await runCrashingWriter(dataDir, { killAfterTargets: 30 });
    expect(ackedTargetIds.length).toBeGreaterThanOrEqual(30);

    // No lock to take over: the next process opens the file at once.
    const storage = await open(dataDir);
    try {
      expect(await storage.configs.get("crash-referrer")).toMatchObject({ referrerUserId: "crash-referrer", timezone: "Europe/Paris" });
      expect((await storage.messages.get(1))?.dayNumber).toBe(1);
      expect(await storage.counters.get("crash-referrer", "2026-01-05")).toBe(3);
      expect(await storage.doNotContact.has("+33611111111")).toBe(true);
      expect((await storage.leases.get("session:crash-referrer"))?.owner).toBe("crash-worker");
      expect(await storage.sessions.get("crash-referrer", ["creds"])).toEqual({ creds: "secret" });
      const claimed = await storage.targets.get("crash-claimed");
      expect(claimed?.claim?.stage).toBe("sending");
      for (const id of ackedTargetIds) expect(await storage.targets.get(id), id).not.toBeNull();
    } finally {
      await storage.close();
    }
  });
});
