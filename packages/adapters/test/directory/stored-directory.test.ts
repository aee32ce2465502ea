import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ValidationError, type Referral } from "@relance/core";
import { StoredDirectory } from "../../src/directory/stored-directory.js";
import { createSqliteStorage } from "../../src/storage/sqlite/index.js";
import { createMemoryStorage } from "../../src/storage/memory/index.js";

const T0 = new Date("2026-01-05T10:00:00.123Z");
const clock = { now: () => new Date(T0) };

function referral(overrides: Partial<Referral> = {}): Referral {
  return {
    userId: "user-1",
    referrerId: "ref-1",
    phone: "+33611111111",
    name: "Marie",
    language: "fr",
    createdAt: new Date(T0),
    paid: false,
    paymentLink: "https://pay.example/user-1",
    ...overrides,
  };
}

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

describe("StoredDirectory", () => {
  it("setSubscription, then hasActiveSubscription and getReferrer; updatedAt from the clock", async () => {
    const storage = createMemoryStorage();
    const directory = new StoredDirectory(storage.directory, clock);
    expect(await directory.hasActiveSubscription("ref-1")).toBe(false);
    expect(await directory.getReferrer("ref-1")).toBeNull();

    await directory.setSubscription({ userId: "ref-1", active: true, name: "Jean Martin", phone: "+33 6 00 00 00 01" });
    expect(await directory.hasActiveSubscription("ref-1")).toBe(true);
    expect(await directory.getReferrer("ref-1")).toEqual({ userId: "ref-1", name: "Jean Martin", phone: "+33600000001" });
    expect((await storage.directory.getReferrer("ref-1"))?.updatedAt).toEqual(T0);

    expect(await directory.getReferrerStatus("ref-1")).toEqual({ active: true, profile: { userId: "ref-1", name: "Jean Martin", phone: "+33600000001" } });

    await directory.setSubscription({ userId: "ref-1", active: false });
    expect(await directory.hasActiveSubscription("ref-1")).toBe(false);
    expect((await directory.getReferrerStatus("ref-1")).active).toBe(false);
    expect(await directory.getReferrerStatus("nobody")).toEqual({ active: false, profile: null });
  });

  it("keeps the previous name and phone when they are not given", async () => {
    const directory = new StoredDirectory(createMemoryStorage().directory);
    await directory.setSubscription({ userId: "ref-1", active: true, name: "Jean Martin", phone: "+33600000001" });
    await directory.setSubscription({ userId: "ref-1", active: true });
    await directory.setSubscription({ userId: "ref-1", active: true, phone: null });
    expect(await directory.getReferrer("ref-1")).toEqual({ userId: "ref-1", name: "Jean Martin", phone: "+33600000001" });
    await directory.setSubscription({ userId: "ref-1", active: true, name: "Jean M." });
    expect(await directory.getReferrer("ref-1")).toEqual({ userId: "ref-1", name: "Jean M.", phone: "+33600000001" });
    await directory.setSubscription({ userId: "ref-2", active: true });
    expect(await directory.getReferrer("ref-2")).toEqual({ userId: "ref-2", name: "", phone: null });
  });

  it("refuses invalid phones with a [stored-directory] ValidationError and stores nothing", async () => {
    const storage = createMemoryStorage();
    const directory = new StoredDirectory(storage.directory, clock);
    const refused = await directory.setSubscription({ userId: "ref-1", active: true, phone: "not a phone" }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ValidationError);
    expect((refused as Error).message).toMatch(/^\[stored-directory\]/);
    expect(await directory.getReferrer("ref-1")).toBeNull();

    const refusedReferral = await directory.upsertReferral(referral({ phone: "12" })).catch((e: unknown) => e);
    expect(refusedReferral).toBeInstanceOf(ValidationError);
    expect((refusedReferral as Error).message).toMatch(/^\[stored-directory\]/);
    expect(await directory.listReferrals("ref-1")).toEqual([]);
  });

  it("lists referrals with normalised phones and Date createdAt, replacing by (referrerId, userId)", async () => {
    const directory = new StoredDirectory(createMemoryStorage().directory, clock);
    await directory.upsertReferral(referral({ userId: "user-2", phone: "0033622222222", createdAt: "2026-01-05T12:00:00.000Z" as unknown as Date }));
    await directory.upsertReferral(referral());
    await directory.upsertReferral(referral({ paid: true }));
    await directory.upsertReferral(referral({ referrerId: "ref-2" }));
    const listed = await directory.listReferrals("ref-1");
    expect(listed).toEqual([
      referral({ paid: true }),
      referral({ userId: "user-2", phone: "+33622222222", createdAt: new Date("2026-01-05T12:00:00.000Z") }),
    ]);
    expect(listed[1]!.createdAt).toBeInstanceOf(Date);
    expect(await directory.listReferrals("ref-2")).toHaveLength(1);
  });

  it("persists referrers and referrals through a SQLite storage close and reopen", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "relance-directory-"));
    dirs.push(dataDir);
    const first = createSqliteStorage({ dataDir });
    await first.init();
    const before = new StoredDirectory(first.directory, clock);
    await before.setSubscription({ userId: "ref-1", active: true, name: "Jean Martin", phone: "+33600000001" });
    await before.upsertReferral(referral({ userId: "user-2", createdAt: new Date(T0.getTime() + 1000), language: null, paymentLink: null }));
    await before.upsertReferral(referral());
    await first.close();

    const second = createSqliteStorage({ dataDir });
    await second.init();
    try {
      const after = new StoredDirectory(second.directory, clock);
      expect(await after.hasActiveSubscription("ref-1")).toBe(true);
      expect(await after.getReferrer("ref-1")).toEqual({ userId: "ref-1", name: "Jean Martin", phone: "+33600000001" });
      expect(await after.listReferrals("ref-1")).toEqual([
        referral(),
        referral({ userId: "user-2", createdAt: new Date(T0.getTime() + 1000), language: null, paymentLink: null }),
      ]);
    } finally {
      await second.close();
    }
  });
});
