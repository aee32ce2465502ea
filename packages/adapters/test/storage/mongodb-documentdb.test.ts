import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { MongoClient, MongoServerError, type Collection, type Db, type Document } from "mongodb";
import type { StorageBackend } from "../../src/ports/index.js";
import type { ContractContext } from "../../src/testing/contract/context.js";
import { describeLeases } from "../../src/testing/contract/leases.js";
import { describeCounters } from "../../src/testing/contract/counters.js";
import { startTestMongo } from "../../../../test/support/mongo-server.js";
import { createMongoStorage } from "../../src/storage/mongodb/index.js";
import { isDuplicateKey } from "../../src/storage/mongodb/errors.js";

/**
 * What a DocumentDB-based server (FerretDB 2 over Microsoft's DocumentDB, Azure's DocumentDB
 * service) answers when an upsert collides on a unique key: PostgreSQL's message under code 1
 * (InternalError), where MongoDB answers 11000.
 */
function documentDbDuplicateKey(): MongoServerError {
  return new MongoServerError({
    ok: 0,
    code: 1,
    codeName: "InternalError",
    errmsg: 'duplicate key value violates unique constraint "documents_pkey"',
  });
}

/** A `Db` whose collections answer unique-key collisions the way DocumentDB does. */
function asDocumentDb(db: Db): Db {
  const translate = (error: unknown) => {
    throw (error as { code?: unknown }).code === 11000 ? documentDbDuplicateKey() : error;
  };
  const collectionProxy = (collection: Collection<Document>) =>
    new Proxy(collection, {
      get(target, property, receiver) {
        const value: unknown = Reflect.get(target, property, receiver);
        if (typeof value !== "function") return value;
        return (...args: unknown[]) => {
          const result: unknown = (value as (...a: unknown[]) => unknown).apply(target, args);
          return result instanceof Promise ? result.catch(translate) : result;
        };
      },
    });
  return new Proxy(db, {
    get(target, property, receiver) {
      if (property === "collection") return (...args: Parameters<Db["collection"]>) => collectionProxy(target.collection(...args));
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

describe("duplicate-key answers", () => {
  it("recognises DocumentDB's code 1 'duplicate key value violates unique constraint' as it does 11000", () => {
    expect(isDuplicateKey(documentDbDuplicateKey())).toBe(true);
    expect(isDuplicateKey(new MongoServerError({ ok: 0, code: 11000, errmsg: "E11000 duplicate key error collection" }))).toBe(true);
  });

  it("does not read any other code-1 error as a collision", () => {
    expect(isDuplicateKey(new MongoServerError({ ok: 0, code: 1, codeName: "InternalError", errmsg: "connection reset" }))).toBe(false);
    expect(isDuplicateKey(new Error("duplicate key value violates unique constraint"))).toBe(false);
  });
});

const server = await startTestMongo();

if ("skipped" in server) {
  describe.skip(`MongoDB storage with DocumentDB's duplicate-key answer — SKIPPED: ${server.skipped}`, () => {
    it("needs a MongoDB-protocol server", () => {});
  });
} else {
  const admin = new MongoClient(server.uri);
  const created = new Set<string>();
  let sequence = 0;

  afterAll(async () => {
    for (const name of created) await admin.db(name).dropDatabase();
    await admin.close();
    await server.stop();
  });

  // The cases whose upserts collide on `_id` under concurrency: they must hold on such a server too.
  describe(`MongoDB storage with DocumentDB's duplicate-key answer (${server.kind})`, () => {
    let current: StorageBackend | null = null;
    const ctx: ContractContext = {
      options: { create: () => Promise.reject(new Error("not used")) },
      storage() {
        if (!current) throw new Error("no storage open");
        return current;
      },
      reopen: () => Promise.reject(new Error("not used")),
    };

    beforeEach(async () => {
      sequence += 1;
      const dbName = `relance_ddb_${process.pid.toString(36)}_${Date.now().toString(36)}_${sequence}`;
      created.add(dbName);
      current = createMongoStorage({ db: asDocumentDb(admin.db(dbName)) });
      await current.init();
    });

    afterEach(async () => {
      await current?.close();
      current = null;
    });

    describeLeases(ctx);
    describeCounters(ctx);
  });
}
