import { describe, expect, it } from "vitest";
import type { PushedReferral } from "@relance/core";
import type { DirectoryRepository } from "../../src/ports/index.js";
import { StoredDirectory } from "../../src/directory/stored-directory.js";
import { createMemoryStorage } from "../../src/storage/memory/index.js";

const T0 = new Date("2026-01-05T10:00:00.000Z");
let now = new Date(T0);
const clock = { now: () => new Date(now) };

function pushed(userId: string, overrides: Partial<PushedReferral> = {}): PushedReferral {
  return { userId, referrerId: "ref-1", phone: "+33611111111", name: "Marie", language: "fr", paid: false, paymentLink: null, ...overrides };
}

/** The memory repository, refusing the whole-list read a push must not need. */
function withoutWholeList(repository: DirectoryRepository): DirectoryRepository & { lookups: number } {
  const counted = Object.create(repository) as DirectoryRepository & { lookups: number };
  counted.lookups = 0;
  counted.listReferrals = () => Promise.reject(new Error("a push read the referrer's whole list"));
  counted.getReferrals = (referrerId, userIds) => {
    counted.lookups += 1;
    return repository.getReferrals(referrerId, userIds);
  };
  return counted;
}

describe("StoredDirectory pushes", () => {
  it("a push without createdAt keeps the stored referral's, reading only that referral; a new one gets the clock's now", async () => {
    const repository = withoutWholeList(createMemoryStorage().directory);
    const directory = new StoredDirectory(repository, clock);
    now = new Date(T0);
    await directory.upsertReferral(pushed("user-1"));
    await directory.upsertReferral(pushed("user-2", { createdAt: new Date("2025-12-01T00:00:00Z") }));
    now = new Date(T0.getTime() + 86_400_000);
    await directory.upsertReferral(pushed("user-1", { paid: true }));
    await directory.upsertReferral(pushed("user-2", { name: "Léa" }));

    const [first, second] = await repository.getReferrals("ref-1", ["user-1", "user-2"]).then((list) => list.sort((a, b) => a.userId.localeCompare(b.userId)));
    expect(first).toMatchObject({ userId: "user-1", paid: true, createdAt: T0 });
    expect(second).toMatchObject({ userId: "user-2", name: "Léa", createdAt: new Date("2025-12-01T00:00:00Z") });
    // A given createdAt replaces the stored one.
    await directory.upsertReferral(pushed("user-1", { createdAt: new Date("2025-11-01T00:00:00Z") }));
    expect((await repository.getReferrals("ref-1", ["user-1"]))[0]!.createdAt).toEqual(new Date("2025-11-01T00:00:00Z"));
  });

  it("a bulk push stores every referral with one lookup per referrer, the same createdAt rule per item, the last of a repeated one winning", async () => {
    const repository = withoutWholeList(createMemoryStorage().directory);
    const directory = new StoredDirectory(repository, clock);
    now = new Date(T0);
    await directory.upsertReferral(pushed("user-1", { createdAt: new Date("2025-12-01T00:00:00Z") }));
    repository.lookups = 0;
    now = new Date(T0.getTime() + 3_600_000);
    await directory.upsertReferrals([
      pushed("user-1", { paid: true }),
      pushed("user-2"),
      pushed("user-3", { referrerId: "ref-2", createdAt: new Date("2025-10-01T00:00:00Z") }),
      pushed("user-4", { referrerId: "ref-2" }),
      pushed("user-2", { name: "Léa" }),
    ]);
    expect(repository.lookups).toBe(2);
    const ref1 = await repository.getReferrals("ref-1", ["user-1", "user-2"]);
    expect(ref1.find((r) => r.userId === "user-1")).toMatchObject({ paid: true, createdAt: new Date("2025-12-01T00:00:00Z") });
    expect(ref1.find((r) => r.userId === "user-2")).toMatchObject({ name: "Léa", createdAt: now });
    const ref2 = await repository.getReferrals("ref-2", ["user-3", "user-4"]);
    expect(ref2.map((r) => [r.userId, r.createdAt])).toEqual(
      expect.arrayContaining([
        ["user-3", new Date("2025-10-01T00:00:00Z")],
        ["user-4", now],
      ]),
    );
  });

  it("a bulk push with one invalid phone stores nothing", async () => {
    const repository = createMemoryStorage().directory;
    const directory = new StoredDirectory(repository, clock);
    const refused = await directory.upsertReferrals([pushed("user-1"), pushed("user-2", { phone: "12" as never })]).catch((e: unknown) => e);
    expect((refused as Error).message).toMatch(/^\[stored-directory\]/);
    expect(await repository.listReferrals("ref-1")).toEqual([]);
  });
});
