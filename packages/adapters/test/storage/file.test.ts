import { spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { StorageError, type RelanceStorage } from "@relance/core";
import { createFileStorage } from "../../src/storage/file/index.js";
import { makeTarget, runStorageContract, T0, type RawDocument } from "../../src/testing/index.js";

const REPO_ROOT = fileURLToPath(new URL("../../../../", import.meta.url));
const FILE_STORAGE = pathToFileURL(fileURLToPath(new URL("../../src/storage/file/index.ts", import.meta.url))).href;

const dirs: string[] = [];
const dirOf = new WeakMap<RelanceStorage, string>();

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "relance-file-"));
  dirs.push(dir);
  return dir;
}

async function open(dataDir: string): Promise<RelanceStorage> {
  const storage = createFileStorage({ dataDir });
  await storage.init();
  dirOf.set(storage, dataDir);
  return storage;
}

/** The live documents of a data file, read the way nedb replays it: last line per `_id` wins. */
async function readDataFile(file: string): Promise<RawDocument[]> {
  const docs = new Map<unknown, RawDocument>();
  for (const line of (await readFile(file, "utf8")).split("\n")) {
    if (line === "") continue;
    const doc = JSON.parse(line) as RawDocument;
    if (doc._id === undefined) continue;
    if (doc.$$deleted === true) docs.delete(doc._id);
    else docs.set(doc._id, doc);
  }
  return [...docs.values()];
}

async function lineCount(file: string): Promise<number> {
  return (await readFile(file, "utf8")).split("\n").filter((line) => line !== "").length;
}

/**
 * Writes to every collection, prints "acked", then inserts targets one after the other, printing
 * "acked <id>" after each resolves, until it is killed with SIGKILL mid-stream.
 */
const WRITER = `
import { createFileStorage } from ${JSON.stringify(FILE_STORAGE)};
const storage = createFileStorage({ dataDir: process.argv[2] });
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
  const script = join(dataDir, "..", `${dataDir.split("/").pop()}-writer.mjs`);
  await writeFile(script, WRITER);
  dirs.push(script);
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

/** The PID of a process that has exited (and was reaped): a stale lock's holder. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
  await new Promise((resolve) => child.on("exit", resolve));
  return child.pid!;
}

/** A process that stays alive until `stop` is called. */
async function liveProcess(): Promise<{ pid: number; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });
  await new Promise((resolve, reject) => child.on("spawn", resolve).on("error", reject));
  const exited = new Promise((resolve) => child.on("exit", resolve));
  return {
    pid: child.pid!,
    stop: async () => {
      child.kill("SIGKILL");
      await exited;
    },
  };
}

const LOCK = ".relance.lock";

afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

runStorageContract("file", {
  create: async () => open(await tempDir()),
  raw(storage) {
    const dir = dirOf.get(storage)!;
    const find = async (file: string, match: (doc: RawDocument) => boolean) =>
      (await readDataFile(join(dir, file))).find(match) ?? null;
    return {
      findTarget: (id) => find("targets.db", (doc) => doc._id === id),
      findMessage: (dayNumber) => find("messages.db", (doc) => doc.dayNumber === dayNumber),
      findConfig: (referrerUserId) => find("configs.db", (doc) => doc.referrerUserId === referrerUserId),
    };
  },
  async reopen(storage) {
    await storage.close();
    return open(dirOf.get(storage)!);
  },
});

describe("file storage", () => {
  it("creates a missing data directory with one file per collection", async () => {
    const dataDir = join(await tempDir(), "nested", "data");
    const storage = await open(dataDir);
    await storage.ping();
    await storage.close();
    expect((await readdir(dataDir)).sort()).toEqual(
      [
        "configs.db",
        "counters.db",
        "directory-referrals.db",
        "directory-referrers.db",
        "do-not-contact.db",
        "exited-users.db",
        "leases.db",
        "messages.db",
        "sessions.db",
        "targets.db",
      ].sort(),
    );
  });

  it("compacts on close: one line per document, plus index lines", async () => {
    const dataDir = await tempDir();
    const storage = await open(dataDir);
    const target = makeTarget();
    await storage.targets.insertIfAbsent(target);
    for (let i = 1; i <= 10; i += 1) await storage.targets.updateIf(target.id, {}, { failedAttempts: i, updatedAt: T0 });
    const file = join(dataDir, "targets.db");
    const before = await lineCount(file);
    await storage.close();
    expect(await lineCount(file)).toBe(before - 10);
    expect(await readDataFile(file)).toEqual([expect.objectContaining({ _id: target.id, failedAttempts: 10, revision: 10 })]);
  });

  it("refuses use after close with a [file] StorageError", async () => {
    const storage = await open(await tempDir());
    await storage.close();
    await expect(storage.targets.get("target-1")).rejects.toMatchObject({
      code: "storage_failure",
      message: expect.stringMatching(/^\[file\]/),
    });
  });

  it("wraps nedb errors in a [file] StorageError with the original as cause", async () => {
    const dataDir = await tempDir();
    await writeFile(join(dataDir, "targets.db"), "not json\n".repeat(10));
    const storage = createFileStorage({ dataDir });
    const error = await storage.init().then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: "storage_failure", message: expect.stringMatching(/^\[file\] targets open failed: /) });
    expect((error as Error).cause).toBeInstanceOf(Error);
  });

  it("ping rejects when the data directory is gone", async () => {
    const dataDir = await tempDir();
    const storage = await open(dataDir);
    await rm(dataDir, { recursive: true });
    await expect(storage.ping()).rejects.toMatchObject({ message: expect.stringMatching(/^\[file\]/) });
  });

  it("works without fsync too", async () => {
    const dataDir = await tempDir();
    const storage = createFileStorage({ dataDir, fsync: false });
    await storage.init();
    const target = makeTarget();
    expect(await storage.targets.insertIfAbsent(target)).toBe(true);
    await storage.close();
    const reopened = await open(dataDir);
    expect(await reopened.targets.get(target.id)).toEqual(target);
    await reopened.close();
  });

  describe("one store per data directory", () => {
    it("holds <dataDir>/.relance.lock with its PID while open, and removes it on close", async () => {
      const dataDir = await tempDir();
      const storage = await open(dataDir);
      expect(await readFile(join(dataDir, LOCK), "utf8")).toBe(`${process.pid}\n`);
      await storage.close();
      await expect(stat(join(dataDir, LOCK))).rejects.toMatchObject({ code: "ENOENT" });
    });

    it("refuses a second store on the same directory in this process while the first is open, accepts it after", async () => {
      const dataDir = await tempDir();
      const first = await open(dataDir);
      const target = makeTarget();
      await first.targets.insertIfAbsent(target);

      const second = createFileStorage({ dataDir });
      const refused = await second.init().then(
        () => null,
        (e: unknown) => e,
      );
      expect(refused).toBeInstanceOf(StorageError);
      expect((refused as Error).message).toMatch(
        new RegExp(`^\\[file\\] .+ is already used by process ${process.pid}; the file store serves one process \\(use MongoDB for several\\)$`),
      );
      // The same directory through a symbolic link is the same directory.
      const alias = join(await tempDir(), "alias");
      await symlink(dataDir, alias);
      await expect(createFileStorage({ dataDir: alias }).init()).rejects.toThrow(/already used by process/);
      // The refusal left the first store's lock and data alone.
      expect(await readFile(join(dataDir, LOCK), "utf8")).toBe(`${process.pid}\n`);
      expect(await first.targets.get(target.id)).toEqual(target);
      await second.close();
      expect(await first.targets.get(target.id)).toEqual(target);

      await first.close();
      await second.init();
      try {
        expect(await second.targets.get(target.id)).toEqual(target);
      } finally {
        await second.close();
      }
    });

    it("lets only one of two stores opening the same directory at once in", async () => {
      const dataDir = await tempDir();
      const stores = [createFileStorage({ dataDir }), createFileStorage({ dataDir })];
      const results = await Promise.allSettled(stores.map((storage) => storage.init()));
      expect(results.map((result) => result.status).sort()).toEqual(["fulfilled", "rejected"]);
      for (const storage of stores) await storage.close();
    });

    it("init is idempotent on one store and close then init takes the lock again", async () => {
      const dataDir = await tempDir();
      const storage = await open(dataDir);
      await storage.init();
      await storage.close();
      await storage.init();
      expect(await readFile(join(dataDir, LOCK), "utf8")).toBe(`${process.pid}\n`);
      await storage.close();
    });

    it("refuses a directory locked by another live process", async () => {
      const dataDir = await tempDir();
      const other = await liveProcess();
      try {
        await writeFile(join(dataDir, LOCK), `${other.pid}\n`);
        const storage = createFileStorage({ dataDir });
        await expect(storage.init()).rejects.toMatchObject({
          code: "storage_failure",
          message: expect.stringContaining(`is already used by process ${other.pid}; the file store serves one process`),
        });
        expect(await readFile(join(dataDir, LOCK), "utf8")).toBe(`${other.pid}\n`);
      } finally {
        await other.stop();
      }
      // Once that process is gone, its lock is stale.
      const storage = await open(dataDir);
      expect(await readFile(join(dataDir, LOCK), "utf8")).toBe(`${process.pid}\n`);
      await storage.close();
    });

    it("takes over a stale lock whose process is dead", async () => {
      const dataDir = await tempDir();
      const pid = await deadPid();
      await writeFile(join(dataDir, LOCK), `${pid}\n`);
      const storage = await open(dataDir);
      try {
        expect(await readFile(join(dataDir, LOCK), "utf8")).toBe(`${process.pid}\n`);
        expect(await storage.targets.insertIfAbsent(makeTarget())).toBe(true);
      } finally {
        await storage.close();
      }
      expect((await readdir(dataDir)).filter((name) => name.startsWith(LOCK))).toEqual([]);
    });

    it("takes over a lock with this process's PID that no store of this process holds (a restarted PID 1)", async () => {
      const dataDir = await tempDir();
      await writeFile(join(dataDir, LOCK), `${process.pid}\n`);
      const storage = await open(dataDir);
      await storage.close();
    });

    it("takes over a lock left without a PID (its creator died while writing it)", async () => {
      const dataDir = await tempDir();
      await writeFile(join(dataDir, LOCK), "");
      const storage = await open(dataDir);
      expect(await readFile(join(dataDir, LOCK), "utf8")).toBe(`${process.pid}\n`);
      await storage.close();
    });

    it("a failed init releases the directory", async () => {
      const dataDir = await tempDir();
      await writeFile(join(dataDir, "targets.db"), "not json\n".repeat(10));
      await expect(createFileStorage({ dataDir }).init()).rejects.toThrow(/targets open failed/);
      await expect(stat(join(dataDir, LOCK))).rejects.toMatchObject({ code: "ENOENT" });
      await rm(join(dataDir, "targets.db"));
      const storage = await open(dataDir);
      await storage.close();
    });
  });

  it("keeps every acknowledged write when the writing process is killed with SIGKILL", async () => {
    const dataDir = await tempDir();
    const { ackedTargetIds } = await runCrashingWriter(dataDir, { killAfterTargets: 30 });
    expect(ackedTargetIds.length).toBeGreaterThanOrEqual(30);

    // The killed writer left its lock behind; its PID is dead, so the lock is taken over.
    expect(Number(await readFile(join(dataDir, LOCK), "utf8"))).not.toBe(process.pid);
    const storage = await open(dataDir);
    try {
      expect(await readFile(join(dataDir, LOCK), "utf8")).toBe(`${process.pid}\n`);
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
