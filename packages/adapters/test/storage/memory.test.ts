import { describe, expect, it } from "vitest";
import type { CappedCounterRepository, DailyCounterRepository } from "@relance/core";
import { createMemoryStorage } from "../../src/storage/memory/index.js";
import { runStorageContract } from "../../src/testing/index.js";

runStorageContract("memory", {
  async create() {
    const storage = createMemoryStorage();
    await storage.init();
    return storage;
  },
});

describe("memory storage", () => {
  it("ping rejects with a [memory] StorageError once closed", async () => {
    const storage = createMemoryStorage();
    await storage.init();
    await storage.close();
    await expect(storage.ping()).rejects.toMatchObject({ code: "storage_failure", message: expect.stringMatching(/^\[memory\]/) });
  });

  it("the deprecated DailyCounterRepository name still types the capped counters", async () => {
    // Compile-time: library code written against the old name keeps type-checking.
    const counters: DailyCounterRepository = createMemoryStorage().counters;
    const capped: CappedCounterRepository = counters;
    expect(await capped.tryIncrement("referrer-1", "2026-01-05", 1)).toBe(1);
  });

  it("two storages do not share data", async () => {
    const a = createMemoryStorage();
    const b = createMemoryStorage();
    await a.doNotContact.add({ phone: "+33611111111", reason: "manual", referrerUserId: null, addedAt: new Date("2026-01-05T10:00:00Z") });
    expect(await b.doNotContact.has("+33611111111")).toBe(false);
  });
});
