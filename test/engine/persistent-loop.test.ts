import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { MongoClient } from "mongodb";
import { createRelanceEngine } from "@relance/core";
import type { StorageBackend } from "@relance/adapters";
import { StoredDirectory } from "@relance/adapters";
import { createMongoStorage } from "@relance/adapters/mongodb";
import { createSqliteStorage } from "@relance/adapters/sqlite";
import { DAY, FAST, createHarness, seededRandom } from "../support/engine-harness.js";
import { startTestMongo } from "../support/mongo-server.js";

const server = await startTestMongo();
const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  if (!("skipped" in server)) await server.stop();
});

interface Backend {
  name: string;
  /** Opens the same persistent store again (a restarted process). */
  open(): Promise<StorageBackend>;
}

async function mongoBackend(uri: string, kind: string): Promise<Backend> {
  const dbName = `relance_loop_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  cleanups.push(async () => {
    const admin = new MongoClient(uri);
    await admin.db(dbName).dropDatabase();
    await admin.close();
  });
  return { name: `mongodb on ${kind}`, open: async () => createMongoStorage({ client: new MongoClient(uri), dbName }, { closeClient: true }) };
}

async function sqliteBackend(): Promise<Backend> {
  const dataDir = await mkdtemp(join(tmpdir(), "relance-loop-"));
  cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
  return { name: "sqlite", open: async () => createSqliteStorage({ dataDir }) };
}

const backends: Array<[string, () => Promise<Backend>]> = [["sqlite", sqliteBackend]];
if ("skipped" in server) {
  console.warn(`\n!!! MongoDB engine loop SKIPPED: ${server.skipped}\n`);
  describe.skip(`engine loop on mongodb — SKIPPED: ${server.skipped}`, () => it("needs a MongoDB-protocol server", () => {}));
} else {
  console.info(`engine loop on MongoDB running against ${server.kind}`);
  backends.push([`mongodb on ${server.kind}`, () => mongoBackend(server.uri, server.kind)]);
}

describe.each(backends)("the engine on %s storage", (_name, makeBackend) => {
  it("runs the full 7-day loop, surviving a restart in the middle of the week", async () => {
    const backend = await makeBackend();
    const h = await createHarness(FAST, await backend.open());
    await h.seedMessages(7);
    await h.addReferrer("ref-1", "+33600000001");
    await h.addReferrer("ref-2", "+33600000002");
    for (let i = 0; i < 3; i++) await h.addReferral("ref-1", `a${i}`, `+3361111111${i}`);
    await h.addReferral("ref-2", "b0", "+33622222220");
    expect(await h.engine.runEnrollment()).toMatchObject({ enrolled: 4 });

    for (let day = 1; day <= 3; day++) {
      expect((await h.dispatch()).sent, `${backend.name} day ${day}`).toBe(4);
      h.clock.advance(DAY);
    }
    await h.engine.exitUser("a2");
    await h.engine.stop();
    await h.storage.close();

    // A new process on the same store, same simulated WhatsApp, same clock.
    const storage = await backend.open();
    await storage.init();
    const restarted = createRelanceEngine({
      storage,
      // What the platform pushed before the restart is read back from the store.
      directory: new StoredDirectory(storage.directory, h.clock),
      transport: h.transport,
      clock: h.clock,
      notifier: h.notifier,
      options: { ...FAST, instanceId: "restarted" },
      random: seededRandom(7),
    });
    expect(await restarted.runEnrollment()).toMatchObject({ enrolled: 0 });
    for (let day = 4; day <= 8; day++) {
      await restarted.runDispatch();
      h.clock.advance(DAY);
    }

    const outbox = h.transport.outbox();
    const daysTo = (phone: string) => outbox.filter((m) => m.to === phone).map((m) => m.day);
    expect(daysTo("+33611111110")).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(daysTo("+33622222220")).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(daysTo("+33611111112")).toEqual([1, 2, 3]);
    expect(new Set(outbox.map((m) => m.idempotencyKey)).size).toBe(outbox.length);

    const stats = await restarted.globalStats();
    expect(stats).toMatchObject({ enrolled: 4, active: 0, completed: 3, exited: { paid: 1 }, conversions: { total: 1, byDay: { "3": 1 } } });
    expect(stats.messages.sent).toBe(24);
    const status = await restarted.status("ref-1");
    expect(status).toMatchObject({ status: "connected", phone: "+33600000001" });
    await restarted.stop();
    await storage.close();
  });
});
