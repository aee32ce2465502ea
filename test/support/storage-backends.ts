import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";
import { MongoClient } from "mongodb";
import { createMemoryStorage, type StorageBackend as Storage } from "@relance/adapters";
import { createMongoStorage } from "@relance/adapters/mongodb";
import { createSqliteStorage } from "@relance/adapters/sqlite";
import { startTestMongo } from "./mongo-server.js";

export type StorageBackend = [name: string, open: () => Promise<Storage>];

/**
 * Every storage adapter for an engine-level `describe.each`: memory, SQLite in a fresh directory, and
 * MongoDB in a fresh database when a server is available (a loud warning says so when it is not; CI
 * requires one). Directories and databases are removed after the file; `track` registers whatever
 * else the file opens so it is closed first.
 */
export async function everyStorageBackend(label: string): Promise<{ backends: StorageBackend[]; track(cleanup: () => Promise<void>): void }> {
  const server = await startTestMongo();
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    if (!("skipped" in server)) await server.stop();
  });
  const slug = label.replace(/[^a-z0-9]+/gi, "_").toLowerCase();
  const backends: StorageBackend[] = [
    ["memory", async () => createMemoryStorage()],
    [
      "sqlite",
      async () => {
        const dataDir = await mkdtemp(join(tmpdir(), `relance-${slug}-`));
        cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
        return createSqliteStorage({ dataDir });
      },
    ],
  ];
  if ("skipped" in server) {
    console.warn(`\n!!! ${label} on MongoDB SKIPPED: ${server.skipped}\n`);
  } else {
    backends.push([
      `mongodb (${server.kind})`,
      async () => {
        const dbName = `relance_${slug}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
        cleanups.push(async () => {
          const admin = new MongoClient(server.uri);
          await admin.db(dbName).dropDatabase();
          await admin.close();
        });
        return createMongoStorage({ client: new MongoClient(server.uri), dbName }, { closeClient: true });
      },
    ]);
  }
  return { backends, track: (cleanup) => cleanups.push(cleanup) };
}
