import { expect, it } from "vitest";
import { at, HOUR, makeConfig, makeDelivery, makeMessage, makeTarget, T0 } from "../builders.js";
import type { ContractContext } from "./context.js";
import { makeReferral, makeStoredReferrer } from "./directory.js";
import { makeExitedUser } from "./exited-users.js";

export function describeReopen(ctx: ContractContext): void {
  if (!ctx.options.reopen) {
    it.skip("close and reopen keeps everything acknowledged (skipped: no reopen option, the backend does not persist)", () => {});
    return;
  }

  it("close and reopen keeps everything acknowledged, in every repository", async () => {
    let storage = ctx.storage();
    const config = makeConfig({ failureNotifiedAt: at(1) });
    const message = makeMessage({ dayNumber: 2 });
    const target = makeTarget({ referralUserId: "u-keep" });
    const removed = makeMessage({ dayNumber: 3 });

    await storage.configs.getOrCreate(config);
    await storage.messages.upsert(message);
    await storage.messages.upsert(removed);
    await storage.messages.delete(3);
    await storage.targets.insertIfAbsent(target);
    const updated = await storage.targets.updateIf(target.id, { status: "active" }, {
      currentDay: 2,
      lastSentDay: 1,
      nextMessageDue: at(24 * HOUR),
      pushDelivery: makeDelivery({ day: 1, messageId: "m-keep" }),
      updatedAt: at(2),
    });
    await storage.counters.tryIncrement("referrer-1", "2026-01-05", 10);
    await storage.counters.tryIncrement("referrer-1", "2026-01-05", 10);
    await storage.doNotContact.add({ phone: "+33611111111", reason: "opted_out", referrerUserId: "referrer-1", addedAt: T0 });
    await storage.leases.acquire("session:referrer-1", "worker-a", T0, HOUR);
    await storage.sessions.set("referrer-1", { creds: "c-1", "pre-key-1": "k-1", gone: "x" });
    await storage.sessions.set("referrer-1", { gone: null });
    const referrer = makeStoredReferrer({ updatedAt: at(3) });
    const referrals = [
      makeReferral({ userId: "u-late", createdAt: at(2), paid: true }),
      makeReferral({ userId: "u-early", createdAt: at(1), language: null, paymentLink: null }),
    ];
    await storage.directory.upsertReferrer(makeStoredReferrer({ name: "before" }));
    await storage.directory.upsertReferrer(referrer);
    for (const referral of referrals) await storage.directory.upsertReferral(referral);
    const exited = makeExitedUser({ userId: "u-paid", exitedAt: at(4) });
    await storage.exitedUsers.record(exited);
    await storage.exitedUsers.record(makeExitedUser({ userId: "u-paid", reason: "manual", exitedAt: at(5) }));

    const cursor = { referrerUserId: "referrer-1", since: "c-7", waiting: ["u-late"], updatedAt: at(7) };
    await storage.enrollmentCursors.set(cursor);
    const changesBefore = await storage.directory.listReferralChanges("referrer-1", null);

    storage = await ctx.reopen();

    expect(await storage.configs.get(config.referrerUserId)).toEqual(config);
    expect(await storage.messages.list()).toEqual([message]);
    expect(await storage.targets.get(target.id)).toEqual(updated);
    expect((await storage.targets.findByMessageId("m-keep"))!.id).toBe(target.id);
    expect(await storage.targets.insertIfAbsent(makeTarget({ referralUserId: "u-keep" }))).toBe(false);
    expect(await storage.counters.get("referrer-1", "2026-01-05")).toBe(2);
    expect(await storage.doNotContact.has("+33611111111")).toBe(true);
    expect(await storage.leases.get("session:referrer-1")).toEqual({ name: "session:referrer-1", owner: "worker-a", expiresAt: at(HOUR) });
    expect(await storage.sessions.get("referrer-1", ["creds", "pre-key-1", "gone"])).toEqual({ creds: "c-1", "pre-key-1": "k-1" });
    expect(await storage.directory.getReferrer(referrer.userId)).toEqual(referrer);
    expect(await storage.directory.listReferrals("referrer-1")).toEqual([referrals[1], referrals[0]]);
    expect(await storage.exitedUsers.get("u-paid")).toEqual(exited);
    expect([...(await storage.exitedUsers.filterExited(["u-paid", "u-keep"]))]).toEqual(["u-paid"]);
    await storage.exitedUsers.record(makeExitedUser({ userId: "u-paid", reason: "manual", exitedAt: at(6) }));
    expect(await storage.exitedUsers.get("u-paid")).toEqual(exited);
    expect(await storage.enrollmentCursors.get("referrer-1")).toEqual(cursor);
    // The change order goes on after a reopen: a later upsert is listed after the old cursor.
    await storage.directory.upsertReferral(makeReferral({ userId: "u-after-reopen" }));
    const changesAfter = await storage.directory.listReferralChanges("referrer-1", changesBefore.cursor);
    expect(changesAfter.items.map((referral) => referral.userId)).toContain("u-after-reopen");
  });
}
