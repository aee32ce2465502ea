import { afterAll, afterEach, describe, expect, it } from "vitest";
import { MongoClient, MongoError, type Collection, type Db, type Document } from "mongodb";
import { StorageError } from "@relance/core";
import type { StorageBackend } from "../../src/ports/index.js";
import { runStorageContract } from "../../src/testing/storage-contract.js";
import { at, makeConfig, makeDelivery, makeMessage, makeTarget } from "../../src/testing/builders.js";
import { startTestMongo } from "../../../../test/support/mongo-server.js";
import { createMongoStorage, DEFAULT_COLLECTION_NAMES, INDEXES, OBSOLETE_INDEXES, type MongoStorageOptions } from "../../src/storage/mongodb/index.js";
import { openCollections, resolveCollectionNames } from "../../src/storage/mongodb/collections.js";
import { COUNTER_TTL_SECONDS } from "../../src/storage/mongodb/indexes.js";
import { ClockSkewWatch, measureClockSkew } from "../../src/storage/mongodb/clock-skew.js";

// Started while collecting, so that a missing server turns into a named skip rather than failures.
const server = await startTestMongo();

if ("skipped" in server) {
  const banner = "!".repeat(100);
  console.warn(`\n${banner}\n!!! MongoDB storage tests SKIPPED: ${server.skipped}\n${banner}\n`);
  describe.skip(`MongoDB storage — SKIPPED: ${server.skipped}`, () => {
    it("needs a MongoDB-protocol server", () => {});
  });
} else {
  const { uri, kind } = server;
  // Stated in CI's output: which real server the suite ran against.
  console.info(`MongoDB storage suite running against ${kind}${kind === "ferretdb" ? " v1.24.2 (SQLite backend)" : ""}`);
  // Drops every database the tests create; the storages themselves own (and close) their clients.
  const admin = new MongoClient(uri);
  const created = new Set<string>();
  const dbOf = new WeakMap<StorageBackend, Db>();
  let sequence = 0;

  function freshDbName(): string {
    sequence += 1;
    // Short and unique across concurrent runs against one shared server (MONGODB_URI).
    return `relance_${process.pid.toString(36)}_${Date.now().toString(36)}_${sequence}`;
  }

  /** A storage on its own client, so `close()` really closes something and reopen reconnects. */
  async function open(dbName: string, options: MongoStorageOptions = {}): Promise<StorageBackend> {
    created.add(dbName);
    const client = new MongoClient(uri);
    const storage = createMongoStorage({ client, dbName }, { closeClient: true, ...options });
    dbOf.set(storage, admin.db(dbName));
    await storage.init();
    return storage;
  }

  function rawDb(storage: StorageBackend): Db {
    const db = dbOf.get(storage);
    if (!db) throw new Error("not a storage of this test file");
    return db;
  }

  /** Documents as stored, read around the adapter; `_id` is a string or a day number here. */
  function rawCollection(storage: StorageBackend, name: string): Collection<Document & { _id: string | number }> {
    return rawDb(storage).collection(name);
  }

  afterEach(async () => {
    const names = [...created];
    created.clear();
    for (const name of names) await admin.db(name).dropDatabase();
  });

  afterAll(async () => {
    await admin.close();
    await server.stop();
  });

  describe(`MongoDB storage on ${kind}`, () => {
    runStorageContract(`mongodb (${kind})`, {
      create: () => open(freshDbName()),
      repeatsRecentReferralChanges: "MongoDB re-lists the referrals changed in the last directoryChangeLagMs (60 s) before its cursor",
      raw: (storage) => ({
        findTarget: (id) => rawCollection(storage, DEFAULT_COLLECTION_NAMES.targets).findOne({ _id: id }),
        findMessage: (dayNumber) => rawCollection(storage, DEFAULT_COLLECTION_NAMES.messages).findOne({ _id: dayNumber }),
        findConfig: (referrerUserId) => rawCollection(storage, DEFAULT_COLLECTION_NAMES.configs).findOne({ _id: referrerUserId }),
      }),
      reopen: async (storage) => {
        const dbName = rawDb(storage).databaseName;
        await storage.close();
        return open(dbName);
      },
    });

    describe("mongodb adapter specifics", () => {
      it("init creates every declared index, with its uniqueness", async () => {
        const storage = await open(freshDbName());
        try {
          const db = rawDb(storage);
          for (const index of INDEXES) {
            const listed = await db.collection(DEFAULT_COLLECTION_NAMES[index.collection]).listIndexes().toArray();
            const found = listed.find((candidate) => candidate.name === index.name);
            expect(found, `${index.collection}.${index.name}`).toBeDefined();
            expect(found!.key).toEqual(index.key);
            expect(Boolean(found!.unique)).toBe(Boolean(index.options?.unique));
          }
          const targetIndexes = await db.collection(DEFAULT_COLLECTION_NAMES.targets).listIndexes().toArray();
          expect(targetIndexes.map((index) => index.name)).toEqual(
            expect.arrayContaining(["referrer_referral_unique", "due_referrer", "referrer_due_id", "referrer_phone", "sending_claim_expiry"]),
          );
          const counterIndexes = await db.collection(DEFAULT_COLLECTION_NAMES.counters).listIndexes().toArray();
          const claimIndex = targetIndexes.find((index) => index.name === "sending_claim_expiry")!;
          // FerretDB 1.24 has neither partial nor TTL indexes: the adapter falls back to the plain
          // keys there (MongoDB gets the options, which is what production runs).
          if (kind !== "ferretdb") {
            expect(counterIndexes.find((index) => index.name === "created_ttl")?.expireAfterSeconds).toBe(COUNTER_TTL_SECONDS);
            expect(claimIndex.partialFilterExpression).toEqual({ "claim.stage": "sending" });
          }
        } finally {
          await storage.close();
        }
      });

      it("init on a database of an earlier version drops the replaced indexes, after creating the new ones", async () => {
        const dbName = freshDbName();
        created.add(dbName);
        const db = admin.db(dbName);
        for (const { collection, name } of OBSOLETE_INDEXES) {
          const keys: Record<string, Record<string, 1>> = {
            due: { status: 1, nextMessageDue: 1 },
            referrer_due: { referrerUserId: 1, status: 1, nextMessageDue: 1 },
            claim_expiry: { "claim.stage": 1, "claim.expiresAt": 1 },
            day_number_unique: { dayNumber: 1 },
            referrer_user_unique: { referrerId: 1, userId: 1 },
          };
          const key = keys[name]!;
          await db.collection(DEFAULT_COLLECTION_NAMES[collection]).createIndex(key, { name });
        }
        const storage = await open(dbName);
        try {
          await storage.init();
          for (const { collection, name } of OBSOLETE_INDEXES) {
            const names = (await db.collection(DEFAULT_COLLECTION_NAMES[collection]).listIndexes().toArray()).map((index) => index.name);
            expect(names, `${collection}.${name}`).not.toContain(name);
          }
        } finally {
          await storage.close();
        }
      });

      it("measures this clock against the server's and reports a drift above the bound", async () => {
        const db = admin.db(freshDbName());
        expect(Math.abs(await measureClockSkew(db))).toBeLessThan(2_000);
        const ahead = () => Date.now() + 60_000;
        expect(Math.abs((await measureClockSkew(db, ahead)) - 60_000)).toBeLessThan(2_000);
        const reports: number[] = [];
        const watch = new ClockSkewWatch(db, (skew) => reports.push(skew), 2_000, 10 * 60_000, ahead);
        await watch.check(true);
        expect(await watch.check()).toBeNull(); // at most once per interval
        expect(reports).toHaveLength(1);
        expect(Math.abs(reports[0]! - 60_000)).toBeLessThan(2_000);
      });

      it("pins majority acknowledgements and primary reads on every collection, whatever the URI says", async () => {
        const client = new MongoClient(uri, { w: 1, readPreference: "secondaryPreferred" });
        try {
          const db = client.db(freshDbName());
          const collections = openCollections(db, resolveCollectionNames());
          for (const collection of Object.values(collections)) {
            expect(collection.writeConcern?.w).toBe("majority");
            expect(collection.readPreference?.mode).toBe("primary");
          }
        } finally {
          await client.close();
        }
      });

      it("stores BSON dates and the record's id or natural key as _id", async () => {
        const storage = await open(freshDbName());
        try {
          const target = makeTarget({ messagesDelivered: [makeDelivery({ readAt: at(5) })] });
          await storage.targets.insertIfAbsent(target);
          await storage.messages.upsert(makeMessage({ dayNumber: 4 }));
          await storage.configs.getOrCreate(makeConfig({ referrerUserId: "r-dates" }));
          const doc = await rawCollection(storage, DEFAULT_COLLECTION_NAMES.targets).findOne({ _id: target.id });
          expect(doc!._id).toBe(target.id);
          expect(doc!.nextMessageDue).toBeInstanceOf(Date);
          expect(doc!.messagesDelivered[0].readAt).toBeInstanceOf(Date);
          expect(doc).not.toHaveProperty("id");
          expect((await rawCollection(storage, DEFAULT_COLLECTION_NAMES.messages).findOne({ dayNumber: 4 }))!._id).toBe(4);
          expect((await rawCollection(storage, DEFAULT_COLLECTION_NAMES.configs).findOne({ referrerUserId: "r-dates" }))!._id).toBe("r-dates");
          await storage.exitedUsers.record({ userId: "u-paid", reason: "paid", exitedAt: at(7) });
          expect(await rawCollection(storage, DEFAULT_COLLECTION_NAMES.exitedUsers).findOne({ _id: "u-paid" })).toEqual({
            _id: "u-paid",
            userId: "u-paid",
            reason: "paid",
            exitedAt: at(7),
          });
        } finally {
          await storage.close();
        }
      });

      it("honours custom collection names", async () => {
        const dbName = freshDbName();
        const storage = await open(dbName, {
          collections: { targets: "custom_targets", configs: "custom_configs", leases: "custom_leases", exitedUsers: "custom_exited_users" },
        });
        try {
          const target = makeTarget();
          await storage.targets.insertIfAbsent(target);
          await storage.configs.getOrCreate(makeConfig({ referrerUserId: "r-custom" }));
          await storage.leases.acquire("lease-custom", "worker-a", at(0), 1_000);
          await storage.messages.upsert(makeMessage({ dayNumber: 1 }));
          await storage.exitedUsers.record({ userId: "u-custom", reason: "manual", exitedAt: at(0) });

          expect(await rawCollection(storage, "custom_targets").findOne({ _id: target.id })).not.toBeNull();
          expect(await rawCollection(storage, "custom_configs").findOne({ _id: "r-custom" })).not.toBeNull();
          expect(await rawCollection(storage, "custom_leases").findOne({ _id: "lease-custom" })).not.toBeNull();
          expect(await rawCollection(storage, "custom_exited_users").findOne({ _id: "u-custom" })).not.toBeNull();
          const names = (await rawDb(storage).listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name);
          expect(names).toEqual(expect.arrayContaining(["custom_targets", "custom_configs", "custom_leases", DEFAULT_COLLECTION_NAMES.messages]));
          expect(names).not.toContain(DEFAULT_COLLECTION_NAMES.targets);
          expect(names).not.toContain(DEFAULT_COLLECTION_NAMES.configs);
          expect(names).not.toContain(DEFAULT_COLLECTION_NAMES.exitedUsers);
          expect(await storage.targets.get(target.id)).toEqual(target);
        } finally {
          await storage.close();
        }
      });

      it("surfaces driver errors as StorageError with a [mongodb] prefix and the driver error as cause", async () => {
        const client = new MongoClient(uri);
        const storage = createMongoStorage({ client, dbName: freshDbName() });
        await client.close();

        const failure = await storage.configs.get("referrer-1").catch((error: unknown) => error);
        expect(failure).toBeInstanceOf(StorageError);
        expect((failure as StorageError).code).toBe("storage_failure");
        expect((failure as StorageError).message).toMatch(/^\[mongodb\] configs\.get failed: /);
        expect((failure as StorageError).cause).toBeInstanceOf(MongoError);
        await expect(storage.ping()).rejects.toThrow(/^\[mongodb\] ping failed/);
        await expect(storage.targets.updateIf("t", {}, { updatedAt: at(0) })).rejects.toBeInstanceOf(StorageError);
      });

      it("an unreachable server fails ping and init with StorageError", async () => {
        const client = new MongoClient("mongodb://127.0.0.1:1/?directConnection=true", { serverSelectionTimeoutMS: 200 });
        const storage = createMongoStorage({ client, dbName: "unreachable" }, { closeClient: true });
        try {
          await expect(storage.ping()).rejects.toBeInstanceOf(StorageError);
          const failure = await storage.init().catch((error: unknown) => error);
          expect(failure).toBeInstanceOf(StorageError);
          expect((failure as Error).message).toMatch(/^\[mongodb\] init failed/);
          expect((failure as Error).cause).toBeInstanceOf(MongoError);
        } finally {
          await storage.close();
        }
      });

      it("close leaves a caller's client open unless closeClient is set", async () => {
        const dbName = freshDbName();
        created.add(dbName);
        const client = new MongoClient(uri);
        try {
          const borrowed = createMongoStorage({ db: client.db(dbName) });
          await borrowed.init();
          await borrowed.configs.getOrCreate(makeConfig({ referrerUserId: "r-keep" }));
          await borrowed.close();
          await expect(client.db(dbName).command({ ping: 1 })).resolves.toMatchObject({ ok: 1 });

          const owning = createMongoStorage({ db: client.db(dbName) }, { closeClient: true });
          expect((await owning.configs.get("r-keep"))!.referrerUserId).toBe("r-keep");
          await owning.close();
          await expect(owning.ping()).rejects.toBeInstanceOf(StorageError);
        } finally {
          await client.close();
        }
      });

      it("close and reopen on the same database keeps everything, and init stays idempotent", async () => {
        const dbName = freshDbName();
        const first = await open(dbName);
        const target = makeTarget({ referralUserId: "u-reopen" });
        await first.targets.insertIfAbsent(target);
        await first.counters.tryIncrement("referrer-1", "2026-01-05", 1);
        await first.close();
        await expect(first.ping()).rejects.toBeInstanceOf(StorageError);

        const second = await open(dbName);
        try {
          await second.init();
          expect(await second.targets.get(target.id)).toEqual(target);
          expect(await second.targets.insertIfAbsent(makeTarget({ referralUserId: "u-reopen" }))).toBe(false);
          expect(await second.counters.tryIncrement("referrer-1", "2026-01-05", 1)).toBeNull();
        } finally {
          await second.close();
        }
      });
    });
  });
}
