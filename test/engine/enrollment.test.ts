import { describe, expect, it, vi } from "vitest";
import { DAY, HOUR, createHarness } from "../support/engine-harness.js";

describe("enrollment", () => {
  it("enrolls unpaid referrals signed up at least an hour ago, and skips paid and recent ones", async () => {
    const h = await createHarness();
    await h.seedMessages(7);
    await h.addReferrer("ref-1", "+33600000001");
    await h.addReferral("ref-1", "old-unpaid", "+33611111111", { ageMs: HOUR });
    await h.addReferral("ref-1", "young", "+33622222222", { ageMs: HOUR - 1 });
    await h.addReferral("ref-1", "paid", "+33633333333", { paid: true, ageMs: 5 * HOUR });

    expect(await h.engine.runEnrollment()).toEqual({ enrolled: 1, skipped: 2 });
    const targets = (await h.engine.listTargets("ref-1")).items;
    expect(targets.map((t) => t.referralUserId)).toEqual(["old-unpaid"]);
    expect(targets[0]).toMatchObject({ status: "active", currentDay: 1, language: "fr", nextMessageDue: h.clock.now() });

    // The next pass reads only the referral that was too recent (by id), now an hour old.
    h.clock.advance(1);
    expect(await h.engine.runEnrollment()).toEqual({ enrolled: 1, skipped: 0 });
    expect((await h.engine.listTargets("ref-1")).items.map((t) => t.referralUserId).sort()).toEqual(["old-unpaid", "young"]);
  });

  it("reads only the referrals new or changed since the referrer's last pass, plus those still too recent", async () => {
    const h = await createHarness();
    await h.addReferrer("ref-1", "+33600000001");
    for (let i = 0; i < 20; i++) await h.addReferral("ref-1", `old-${i}`, `+336111111${String(i).padStart(2, "0")}`);
    await h.addReferral("ref-1", "young", "+33622222222", { ageMs: HOUR / 2 });
    const changes = vi.spyOn(h.directory, "listReferralChanges");
    const byId = vi.spyOn(h.directory, "getReferrals");
    expect(await h.engine.runEnrollment()).toEqual({ enrolled: 20, skipped: 1 });

    // Idle: nothing changed, the recent one is read again by id (and still too recent).
    h.clock.advance(HOUR / 4);
    expect(await h.engine.runEnrollment()).toEqual({ enrolled: 0, skipped: 1 });
    expect((await changes.mock.results[1]!.value).items).toEqual([]);
    expect(byId).toHaveBeenLastCalledWith("ref-1", ["young"]);

    // A new referral and a changed one are read; the changed one is never enrolled twice.
    await h.addReferral("ref-1", "new", "+33633333333");
    await h.addReferral("ref-1", "old-3", "+33611111103", { name: "Renamed" });
    h.clock.advance(HOUR / 2);
    expect(await h.engine.runEnrollment()).toEqual({ enrolled: 2, skipped: 1 });
    expect((await changes.mock.results[2]!.value).items.map((r: { userId: string }) => r.userId)).toEqual(["new", "old-3"]);
    expect((await h.engine.listTargets("ref-1", { limit: 100 })).items).toHaveLength(22);
    h.clock.advance(HOUR);
    byId.mockClear();
    expect(await h.engine.runEnrollment()).toEqual({ enrolled: 0, skipped: 0 });
    expect(byId).not.toHaveBeenCalled();
  });

  it("only considers referrers subscribed, enabled, not enrollment-paused and linked", async () => {
    const h = await createHarness();
    for (const id of ["ok", "unsubscribed", "disabled", "paused", "unlinked"]) {
      if (id !== "unlinked") await h.addReferrer(id, `+3360000000${id.length}`);
      await h.addReferral(id, `${id}-user`, "+33611111111");
    }
    await h.directory.setSubscription({ userId: "unsubscribed", active: false });
    await h.directory.setSubscription({ userId: "unlinked", active: true });
    await h.engine.updateConfig("disabled", { enabled: false });
    await h.engine.updateConfig("paused", { enrollmentPaused: true });

    expect((await h.engine.runEnrollment()).enrolled).toBe(1);
    expect((await h.engine.listTargets("ok")).items).toHaveLength(1);
    for (const id of ["unsubscribed", "disabled", "paused", "unlinked"]) expect((await h.engine.listTargets(id)).items).toHaveLength(0);
  });

  it("never re-enrolls a referral whose loop completed or exited", async () => {
    const h = await createHarness();
    await h.seedMessages(1);
    await h.addReferrer("ref-1", "+33600000001");
    await h.addReferral("ref-1", "done", "+33611111111");
    await h.addReferral("ref-1", "left", "+33622222222");
    await h.engine.runEnrollment();
    await h.engine.exitUser("left", "manual");
    await h.dispatch();
    h.clock.advance(DAY);
    expect((await h.engine.listTargets("ref-1", { status: "completed" })).items.map((t) => t.referralUserId)).toEqual(["done"]);

    // Pushed again (changed), both are read again, and neither is enrolled a second time.
    await h.addReferral("ref-1", "done", "+33611111111");
    await h.addReferral("ref-1", "left", "+33622222222");
    expect(await h.engine.runEnrollment()).toEqual({ enrolled: 0, skipped: 2 });
    expect((await h.engine.listTargets("ref-1")).items).toHaveLength(2);
  });

  it("creates each target once when enrollment runs twice at once, in one process or two", async () => {
    const h = await createHarness();
    await h.addReferrer("ref-1", "+33600000001");
    for (let i = 0; i < 30; i++) await h.addReferral("ref-1", `user-${i}`, `+336111111${String(i).padStart(2, "0")}`);
    const other = h.spawnProcess();
    const results = await Promise.all([h.engine.runEnrollment(), h.engine.runEnrollment(), other.runEnrollment()]);
    expect(results[1]).toBe(results[0]); // joined in one process
    expect([...new Set(results)].reduce((sum, r) => sum + r.enrolled, 0)).toBe(30);
    const all = (await h.engine.listTargets("ref-1", { limit: 200 })).items;
    expect(all).toHaveLength(30);
    expect(new Set(all.map((t) => t.referralUserId)).size).toBe(30);
  });

  it("keeps the same referral in the loops of two different referrers", async () => {
    const h = await createHarness();
    await h.addReferrer("ref-1", "+33600000001");
    await h.addReferrer("ref-2", "+33600000002");
    await h.addReferral("ref-1", "shared", "+33611111111");
    await h.addReferral("ref-2", "shared", "+33611111111");
    expect((await h.engine.runEnrollment()).enrolled).toBe(2);
  });
});
