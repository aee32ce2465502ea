import { describe, expect, it } from "vitest";
import { holdoutGroup, type Target } from "@relance/core";
import { everyStorageBackend } from "../support/storage-backends.js";
import { DAY, FAST, HOUR, createHarness, type Harness } from "../support/engine-harness.js";

/*
 * Issue 22, on every storage adapter through the engine: the holdout share set by an admin, the
 * groups of enrollment (a pure function of the referral id), and held-out targets that receive
 * nothing, take nothing from any cap, and leave the loop like the others.
 */

const { backends, track } = await everyStorageBackend("holdout");

const REFERRALS = 24;
const userId = (i: number) => `user-${i}`;
const phoneOf = (i: number) => `+336111111${String(i).padStart(2, "0")}`;
const users = Array.from({ length: REFERRALS }, (_, i) => i);
const heldOut = users.filter((i) => holdoutGroup(userId(i), 50) === "holdout");
const treated = users.filter((i) => holdoutGroup(userId(i), 50) === "treated");

async function allTargets(h: Harness): Promise<Target[]> {
  return (await h.storage.targets.list({}, { limit: 1000 })).items;
}

describe.each(backends)("holdout group on %s", (_name, open) => {
  /** Caps sized to the treated group exactly: a held-out target taking a slot would leave a treated one waiting. */
  async function enrolled(options = {}) {
    const storage = await open();
    track(() => storage.close());
    const h = await createHarness({ ...FAST, maxMessagesPerDay: treated.length, maxFirstContactsPerDay: treated.length, ...options }, storage);
    await h.seedMessages(7);
    await h.addReferrer("ref-1", "+33600000001");
    expect(await h.engine.settings.update({ holdoutPercent: 50 })).toEqual({ holdoutPercent: 50 });
    for (const i of users) await h.addReferral("ref-1", userId(i), phoneOf(i));
    expect(await h.engine.runEnrollment()).toMatchObject({ enrolled: REFERRALS });
    return h;
  }

  it("the admin setting: 0 by default, 0 to 50, validated", async () => {
    const storage = await open();
    track(() => storage.close());
    const h = await createHarness(FAST, storage);
    expect(await h.engine.settings.get()).toEqual({ holdoutPercent: 0 });
    expect(await h.engine.settings.update({ holdoutPercent: 12.5 })).toEqual({ holdoutPercent: 12.5 });
    for (const bad of [-1, 50.5, 80, Number.NaN, "10" as unknown as number]) {
      await expect(h.engine.settings.update({ holdoutPercent: bad })).rejects.toMatchObject({ code: "invalid_request" });
    }
    expect(await h.engine.settings.update({})).toEqual({ holdoutPercent: 12.5 });
    expect(await h.engine.settings.get()).toEqual({ holdoutPercent: 12.5 });
  });

  it("holdout targets receive nothing and take nothing from caps (daily cap, first contacts), for the whole sequence", async () => {
    expect(heldOut.length).toBeGreaterThan(4);
    expect(treated.length).toBeGreaterThan(4);
    const h = await enrolled();
    const targets = await allTargets(h);
    for (const target of targets) {
      const i = Number(target.referralUserId.slice("user-".length));
      expect(target.group).toBe(heldOut.includes(i) ? "holdout" : "treated");
      expect(target.status).toBe(heldOut.includes(i) ? "holdout" : "active");
    }
    // Enrolled at 09:00 Paris, inside the window: the last day would leave six days later.
    const end = new Date(h.clock.now().getTime() + 6 * DAY);
    expect(targets.filter((t) => t.group === "holdout").every((t) => t.nextMessageDue?.getTime() === end.getTime())).toBe(true);

    for (let day = 1; day <= 7; day++) {
      const run = await h.dispatch();
      expect(run.sent).toBe(treated.length);
      expect(run.deferred).toBe(0);
      expect((await h.engine.status("ref-1")).messagesSentToday).toBe(treated.length);
      if (day < 7) h.clock.advance(DAY);
    }
    const recipients = new Set(h.transport.outbox().map((m) => m.to));
    expect(h.transport.outbox()).toHaveLength(7 * treated.length);
    expect([...recipients].sort()).toEqual(treated.map(phoneOf).sort());

    // The dispatch that sent the treated group's last day completed the held-out sequences too.
    const after = await allTargets(h);
    expect(after.every((t) => t.status === "completed" && t.exitReason === "completed_7_days")).toBe(true);
    expect(after.filter((t) => t.group === "holdout").every((t) => t.messagesDelivered.length === 0 && t.lastSentDay === null)).toBe(true);
    // Nothing is ever enrolled again for them.
    expect(await h.engine.runEnrollment()).toMatchObject({ enrolled: 0 });
  });

  it("held-out referrals leave like any other: paid (dated by the loop's day), STOP, the referrer's subscription ending", async () => {
    const h = await enrolled();
    const [payer, stopper, other] = heldOut;
    h.clock.advance(2 * DAY + HOUR);
    expect(await h.engine.exitUser(userId(payer!))).toEqual({ exited: 1 });
    await h.engine.handleInbound({ referrerUserId: "ref-1", from: phoneOf(stopper!), text: "Stop" });
    const byUser = new Map((await allTargets(h)).map((t) => [t.referralUserId, t]));
    expect(byUser.get(userId(payer!))).toMatchObject({ status: "exited", exitReason: "paid", exitDay: 3, group: "holdout" });
    expect(byUser.get(userId(stopper!))).toMatchObject({ status: "exited", exitReason: "opted_out", group: "holdout" });
    expect(byUser.get(userId(other!))).toMatchObject({ status: "holdout", exitReason: null });

    const stats = await h.engine.stats("ref-1");
    expect(stats.lift).toMatchObject({
      treated: { targets: treated.length, converted: 0 },
      holdout: { targets: heldOut.length, converted: 1 },
    });
    // A held-out payment is no conversion of the relances.
    expect(stats.conversions.total).toBe(0);
    expect(stats.exited).toMatchObject({ paid: 1, opted_out: 1 });

    await h.directory.setSubscription({ userId: "ref-1", active: false, name: "Jean Martin", phone: "+33600000001" });
    await h.dispatch();
    const left = await allTargets(h);
    expect(left.filter((t) => t.status === "holdout" || t.status === "active")).toEqual([]);
    expect(left.filter((t) => t.exitReason === "referrer_inactive")).toHaveLength(REFERRALS - 2);
  });

  it("a target keeps its group: a share changed later applies only to new targets", async () => {
    const h = await enrolled();
    const before = new Map((await allTargets(h)).map((t) => [t.id, t.group]));
    await h.engine.settings.update({ holdoutPercent: 0 });
    await h.addReferral("ref-1", "late-0", "+33622222200");
    await h.addReferral("ref-1", "late-1", "+33622222201");
    expect(await h.engine.runEnrollment()).toMatchObject({ enrolled: 2 });
    await h.engine.settings.update({ holdoutPercent: 50 });
    await h.engine.runEnrollment();
    const after = await allTargets(h);
    for (const target of after) {
      if (target.referralUserId.startsWith("late-")) {
        expect(target.group).toBeUndefined();
        expect(target.status).toBe("active");
      } else expect(target.group).toBe(before.get(target.id));
    }
    // Enrolled without a holdout: no part of the measured lift.
    expect((await h.engine.globalStats()).lift).toMatchObject({ treated: { targets: treated.length }, holdout: { targets: heldOut.length } });
  });
});
