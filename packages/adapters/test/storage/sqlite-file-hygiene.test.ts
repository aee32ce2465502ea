import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createSqliteStorage, SQLITE_FILENAME } from "../../src/storage/sqlite/index.js";
import { makeReferral } from "../../src/testing/contract/directory.js";

// Security review 2, L5: erased rows stayed readable in the SQLite file, and the file was created
// 0644 in a 0755 directory.
describe("SQLite file hygiene (L5)", () => {
  const dirs: string[] = [];
  afterEach(async () => {
    for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
  });

  async function freshDataDir(): Promise<string> {
    const root = await mkdtemp(join(tmpdir(), "relance-sqlite-hygiene-"));
    dirs.push(root);
    return join(root, "data");
  }

  it("creates the data directory 0700 and the database file 0600", async () => {
    const dataDir = await freshDataDir();
    const storage = createSqliteStorage({ dataDir });
    await storage.init();
    await storage.directory.upsertReferral(makeReferral());
    expect((await stat(dataDir)).mode & 0o777).toBe(0o700);
    expect((await stat(join(dataDir, SQLITE_FILENAME))).mode & 0o777).toBe(0o600);
    await storage.close();
  });

  it("leaves no trace of an erased referral in the file (secure_delete)", async () => {
    const dataDir = await freshDataDir();
    const storage = createSqliteStorage({ dataDir });
    await storage.init();
    const marker = "Erasable-Person-Zq93k";
    await storage.directory.upsertReferral(makeReferral({ userId: "erin", name: marker }));
    await storage.directory.upsertReferral(makeReferral({ userId: "other", name: "Kept" }));
    await storage.close();
    const reopened = createSqliteStorage({ dataDir });
    await reopened.init();
    expect(await reopened.directory.deleteUser("erin")).toBe(1);
    await reopened.close();
    const bytes = await readFile(join(dataDir, SQLITE_FILENAME));
    expect(bytes.includes(Buffer.from(marker))).toBe(false);
    expect(bytes.includes(Buffer.from("Kept"))).toBe(true);
  });
});

// L5 (rest): while the service runs, the WAL keeps the pages it logged — erased rows, session
// blobs under a retired key — until a checkpoint; a copy of the live files still held them.
describe("SQLite reclaim after erasure or rotation (L5)", () => {
  const dirs: string[] = [];
  afterEach(async () => {
    for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
  });

  it("leaves no copy of an erased row or an overwritten blob in the live files (database and WAL)", async () => {
    const root = await mkdtemp(join(tmpdir(), "relance-sqlite-reclaim-"));
    dirs.push(root);
    const dataDir = join(root, "data");
    const storage = createSqliteStorage({ dataDir });
    await storage.init();
    const marker = "Erasable-Person-Wk27p";
    const oldBlob = "old-key-ciphertext-Qv81x";
    await storage.directory.upsertReferral(makeReferral({ userId: "erin", name: marker }));
    await storage.directory.upsertReferral(makeReferral({ userId: "other", name: "Kept" }));
    await storage.sessions.set("baileys:ref-x", { creds: oldBlob });
    await storage.directory.deleteUser("erin");
    expect(await storage.sessions.replaceIf("baileys:ref-x", "creds", oldBlob, "new-key-ciphertext")).toBe(true);
    const live = async () => {
      const files = [SQLITE_FILENAME, `${SQLITE_FILENAME}-wal`];
      const contents = await Promise.all(files.map((file) => readFile(join(dataDir, file)).catch(() => Buffer.alloc(0))));
      return Buffer.concat(contents);
    };
    await storage.reclaim!();
    const bytes = await live();
    expect(bytes.includes(Buffer.from(marker))).toBe(false);
    expect(bytes.includes(Buffer.from(oldBlob))).toBe(false);
    expect((await storage.sessions.get("baileys:ref-x", ["creds"])).creds).toBe("new-key-ciphertext");
    expect(await storage.directory.getReferrals(makeReferral().referrerId, ["other"])).toHaveLength(1);
    await storage.close();
  });
});
