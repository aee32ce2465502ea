import { describe, expect, it } from "vitest";
import { createRelanceEngine, PURGED_CONTACT, type Directory, type E164, type RelanceStorage } from "@relance/core";
import type { StorageBackend } from "@relance/adapters";
import { DAY, createHarness, type Harness } from "../support/engine-harness.js";

/** The backend as the core's port alone: reading the stores it keeps for other adapters throws. */
function coreView(storage: StorageBackend): RelanceStorage {
  return new Proxy(storage, {
    get(target, key, receiver) {
      if (key === "sessions" || key === "directory") throw new Error(`the core read storage.${key}`);
      return Reflect.get(target, key, receiver);
    },
  });
}

/** A second process of the harness whose engine gets `storage` and `directory`. */
function engineOn(h: Harness, storage: RelanceStorage, directory: Directory) {
  return createRelanceEngine({ storage, directory, transport: h.transport, clock: h.clock, notifier: h.notifier, options: { retentionDays: 30, instanceId: "core-only" } });
}

async function enrolledHarness(options = {}) {
  const h = await createHarness({ messageDelayMs: 0, messageJitterMs: 0, typingMs: 0, ...options });
  await h.seedMessages(7);
  await h.addReferrer("ref-1", "+33600000001");
  await h.addReferral("ref-1", "user-1", "+33611111111");
  await h.addReferral("ref-1", "user-2", "+33622222222");
  await h.engine.runEnrollment();
  return h;
}

describe("security 9: retention and erasure", () => {
  it("purges the contact of a target retentionDays after it ended, and never an active one", async () => {
    const h = await enrolledHarness({ retentionDays: 30 });
    await h.engine.exitUser("user-1");
    h.clock.advance(29 * DAY);
    expect(await h.engine.runRetention()).toEqual({ purged: 0 });
    h.clock.advance(2 * DAY);
    expect(await h.engine.runRetention()).toEqual({ purged: 1 });
    const targets = (await h.engine.listTargets("ref-1")).items;
    expect(targets.find((t) => t.referralUserId === "user-1")!.contact).toEqual(PURGED_CONTACT);
    expect(targets.find((t) => t.referralUserId === "user-2")!.contact.phone).toBe("+33622222222");
    // The once-ever rule still holds: the purged referral is not enrolled again.
    await h.engine.runEnrollment();
    expect((await h.engine.listTargets("ref-1")).items).toHaveLength(2);
  });

  it("X3: retention asks the transport to forget each purged contact in the referrer's session, and only those", async () => {
    const h = await enrolledHarness({ retentionDays: 30 });
    const forgotten: Array<[string, string]> = [];
    Object.assign(h.transport, { forgetContact: async (referrerUserId: string, phone: E164) => void forgotten.push([referrerUserId, phone]) });
    await h.engine.exitUser("user-1");
    h.clock.advance(29 * DAY);
    await h.engine.runRetention();
    expect(forgotten).toEqual([]);
    h.clock.advance(2 * DAY);
    expect(await h.engine.runRetention()).toEqual({ purged: 1 });
    expect(forgotten).toEqual([["ref-1", "+33611111111"]]);
    // Purged once: not forgotten again by the next run.
    await h.engine.runRetention();
    expect(forgotten).toHaveLength(1);
  });

  it("X3: retention keeps a number in the session while another target of the referrer still holds it", async () => {
    const h = await enrolledHarness({ retentionDays: 30 });
    await h.addReferral("ref-1", "user-3", "+33611111111");
    await h.engine.runEnrollment();
    const forgotten: Array<[string, string]> = [];
    Object.assign(h.transport, { forgetContact: async (referrerUserId: string, phone: E164) => void forgotten.push([referrerUserId, phone]) });
    await h.engine.exitUser("user-1");
    h.clock.advance(31 * DAY);
    expect((await h.engine.runRetention()).purged).toBeGreaterThanOrEqual(1);
    expect(forgotten).toEqual([]);
  });

  // Security review 2, L4: after the purge, the stored directory still held the referral's number,
  // name and payment link ({"userId":"alice","phone":"+33622220002","name":"Alice Martin",…}).
  it("L4: purges the stored directory's record of a referral whose target ended retentionDays ago, and only that one", async () => {
    const h = await enrolledHarness({ retentionDays: 30 });
    await h.engine.exitUser("user-1");
    h.clock.advance(31 * DAY);
    expect(await h.engine.runRetention()).toEqual({ purged: 1 });
    expect(await h.storage.directory.getReferrals("ref-1", ["user-1"])).toEqual([]);
    expect((await h.storage.directory.getReferrals("ref-1", ["user-2"])).map((r) => r.phone)).toEqual(["+33622222222"]);
    // A second run finds nothing left to purge, and the once-ever rule holds without the record.
    expect(await h.engine.runRetention()).toEqual({ purged: 0 });
    await h.engine.runEnrollment();
    expect((await h.engine.listTargets("ref-1")).items).toHaveLength(2);
  });

  it("L4: purges the directory records of a referral that exited before enrollment, retentionDays after the exit", async () => {
    const h = await createHarness({ messageDelayMs: 0, messageJitterMs: 0, typingMs: 0, retentionDays: 30 });
    await h.seedMessages(7);
    await h.addReferrer("ref-1", "+33600000001");
    await h.addReferrer("ref-2", "+33600000002");
    // Pushed under two referrers, paid before any enrollment: no target ever holds them.
    await h.addReferral("ref-1", "early", "+33633333333");
    await h.addReferral("ref-2", "early", "+33633333333");
    await h.addReferral("ref-1", "user-2", "+33622222222");
    await h.engine.exitUser("early");
    await h.engine.runEnrollment();
    expect((await h.engine.listTargets("ref-1")).items.map((t) => t.referralUserId)).toEqual(["user-2"]);
    h.clock.advance(29 * DAY);
    await h.engine.runRetention();
    expect(await h.storage.directory.getReferrals("ref-1", ["early"])).toHaveLength(1);
    h.clock.advance(2 * DAY);
    expect(await h.engine.runRetention()).toEqual({ purged: 0 });
    expect(await h.storage.directory.getReferrals("ref-1", ["early"])).toEqual([]);
    expect(await h.storage.directory.getReferrals("ref-2", ["early"])).toEqual([]);
    expect(await h.storage.directory.getReferrals("ref-1", ["user-2"])).toHaveLength(1);
    // Still never enrolled.
    await h.engine.runEnrollment();
    expect((await h.engine.listTargets("ref-1")).items.map((t) => t.referralUserId)).toEqual(["user-2"]);
  });

  it("schedules the retention job daily, and keeps contacts when retentionDays is null", async () => {
    const h = await enrolledHarness({ retentionDays: null });
    await h.engine.exitUser("user-1");
    h.clock.advance(1000 * DAY);
    expect(await h.engine.runRetention()).toEqual({ purged: 0 });
    h.engine.start();
    expect(h.scheduler.has("retention")).toBe(true);
    await h.engine.stop();
  });

  it("erases a referral everywhere but the do-not-contact hash", async () => {
    const h = await enrolledHarness();
    await h.engine.handleInbound({ referrerUserId: "ref-1", from: "+33611111111", text: "STOP" });
    expect(await h.engine.eraseUser("user-1")).toMatchObject({ targets: 1, directoryRecords: 1, config: false });
    expect((await h.engine.listTargets("ref-1")).items.map((t) => t.referralUserId)).toEqual(["user-2"]);
    expect(await h.storage.directory.getReferrals("ref-1", ["user-1"])).toEqual([]);
    expect(await h.storage.doNotContact.has("+33611111111")).toBe(true);
  });

  it("X3: erasing a referral asks the transport to forget them in each referrer's session (address book, waiting replies)", async () => {
    const h = await enrolledHarness();
    await h.engine.handleInbound({ referrerUserId: "ref-1", from: "+33611111111", text: "STOP" });
    const forgotten: Array<[string, string]> = [];
    Object.assign(h.transport, { forgetContact: async (referrerUserId: string, phone: E164) => void forgotten.push([referrerUserId, phone]) });
    await h.engine.eraseUser("user-1");
    expect(forgotten).toEqual([["ref-1", "+33611111111"]]);
  });

  it("erases a referrer: config, session, targets and the referrals under them", async () => {
    const h = await enrolledHarness();
    expect(await h.engine.eraseUser("ref-1")).toEqual({ targets: 2, directoryRecords: 3, config: true, session: true });
    expect(await h.storage.configs.get("ref-1")).toBeNull();
    expect(await h.storage.directory.getReferrer("ref-1")).toBeNull();
    expect((await h.engine.listTargets("ref-1")).items).toEqual([]);
    expect(h.transport.getState("ref-1").status).not.toBe("connected");
  });

  // Issue 23 (1): the transports' sessions and the stored directory's records are not the core's:
  // retention and erasure reach the records through the Directory port only.
  it("retention and erasure never read the backend's sessions or directory records: the directory purges and erases its own", async () => {
    const h = await enrolledHarness({ retentionDays: 30 });
    await h.engine.exitUser("user-1");
    h.clock.advance(31 * DAY);
    const engine = engineOn(h, coreView(h.storage), h.directory);
    expect(await engine.runRetention()).toEqual({ purged: 1 });
    expect(await h.storage.directory.getReferrals("ref-1", ["user-1"])).toEqual([]);
    expect(await engine.eraseUser("user-2")).toMatchObject({ targets: 1, directoryRecords: 1 });
    expect(await h.storage.directory.getReferrals("ref-1", ["user-2"])).toEqual([]);
  });

  it("a directory that keeps nothing itself (no eraseUser, no purgeReferrals): erasure and retention still run, with 0 directory records", async () => {
    const h = await enrolledHarness({ retentionDays: 30 });
    const d = h.directory;
    const pulled: Directory = {
      hasActiveSubscription: (id) => d.hasActiveSubscription(id),
      getReferrer: (id) => d.getReferrer(id),
      getReferrerStatus: (id) => d.getReferrerStatus(id),
      listReferrals: (id) => d.listReferrals(id),
      getReferrals: (id, ids) => d.getReferrals(id, ids),
      listReferralChanges: (id, since) => d.listReferralChanges(id, since),
    };
    const engine = engineOn(h, coreView(h.storage), pulled);
    await engine.exitUser("user-1");
    h.clock.advance(31 * DAY);
    expect(await engine.runRetention()).toEqual({ purged: 1 });
    expect(await engine.eraseUser("user-2")).toMatchObject({ targets: 1, directoryRecords: 0 });
  });
});
