import { describe, expect, it } from "vitest";
import { newcombeDifferenceInterval, type Target } from "@relance/core";
import { DAY, FAST, HOUR, createHarness, seededRandom } from "../support/engine-harness.js";

/*
 * Issue 22, what it must show: over simulated weeks with a known lift, the measured lift and its
 * 95 % interval cover the truth. A population pays with probability 0.40 when relanced and 0.10
 * when not (a true lift of +0.30 points), at an instant drawn uniformly over its sequence; the
 * platform reports each payment through exitUser. Deterministic: seeded draws, a ManualClock, the
 * sandbox transport.
 */

const PAY_MESSAGED = 0.4;
const PAY_NOT_MESSAGED = 0.1;
const TRUE_LIFT = PAY_MESSAGED - PAY_NOT_MESSAGED;
const REFERRERS = 10;
const COHORTS = 5;
const PER_REFERRER_PER_COHORT = 50;
const HOLDOUT_PERCENT = 30;

describe("measured lift over simulated weeks", () => {
  it("with pay 0.40 relanced vs 0.10 not, the lift measured on 2 500 referrals and its interval cover the true +0.30", async () => {
    const h = await createHarness({ ...FAST, maxMessagesPerDay: 10_000, maxFirstContactsPerDay: 10_000 });
    const draw = seededRandom(2026);
    await h.seedMessages(7);
    await h.engine.settings.update({ holdoutPercent: HOLDOUT_PERCENT });
    for (let r = 0; r < REFERRERS; r++) await h.addReferrer(`ref-${r}`, `+3360000${String(r).padStart(4, "0")}`);

    // Each referral's behaviour, drawn once its group is known: whether and when it pays.
    const payments = new Map<string, number>();
    const decided = new Set<string>();
    const decide = async () => {
      for (const target of (await h.storage.targets.list({}, { limit: 100_000 })).items) {
        if (decided.has(target.id)) continue;
        decided.add(target.id);
        const p = target.group === "holdout" ? PAY_NOT_MESSAGED : PAY_MESSAGED;
        const pays = draw() < p;
        const offset = HOUR + draw() * (6 * DAY - 2 * HOUR);
        if (pays) payments.set(target.referralUserId, target.enteredLoopAt.getTime() + offset);
      }
    };

    let n = 0;
    // One cohort a day at 09:00 Paris, then the hours go by: dispatch every hour, payments as they fall due.
    for (let hour = 0; hour < (COHORTS + 8) * 24; hour++) {
      if (hour % 24 === 0 && hour / 24 < COHORTS) {
        for (let r = 0; r < REFERRERS; r++) {
          for (let i = 0; i < PER_REFERRER_PER_COHORT; i++, n++) await h.addReferral(`ref-${r}`, `user-${n}`, `+3361${String(n).padStart(7, "0")}`);
        }
        await h.engine.runEnrollment();
        await decide();
      }
      await h.dispatch();
      const now = h.clock.now().getTime();
      for (const [userId, at] of payments) {
        if (at > now) continue;
        await h.engine.exitUser(userId);
        payments.delete(userId);
      }
      h.clock.advance(HOUR);
    }
    await h.dispatch();

    const targets: Target[] = (await h.storage.targets.list({}, { limit: 100_000 })).items;
    expect(targets).toHaveLength(REFERRERS * COHORTS * PER_REFERRER_PER_COHORT);
    expect(payments.size).toBe(0);
    // Every sequence ran to its end; the held-out ones received nothing.
    expect(targets.filter((t) => t.status === "active" || t.status === "holdout")).toEqual([]);
    const heldOutPhones = new Set(targets.filter((t) => t.group === "holdout").map((t) => t.contact.phone));
    expect(h.transport.outbox().filter((m) => heldOutPhones.has(m.to as never))).toEqual([]);

    const { lift } = await h.engine.globalStats();
    const treated = targets.filter((t) => t.group === "treated");
    expect(lift.treated.targets).toBe(treated.length);
    expect(lift.holdout.targets).toBe(targets.length - treated.length);
    expect(lift.holdout.targets / targets.length).toBeGreaterThan(0.27);
    expect(lift.holdout.targets / targets.length).toBeLessThan(0.33);
    expect(lift.treated.converted).toBe(treated.filter((t) => t.exitReason === "paid").length);

    const [lo, hi] = lift.ci95!;
    console.log(
      `holdout lift: treated ${lift.treated.converted}/${lift.treated.targets} = ${lift.treated.rate.toFixed(3)}, ` +
        `holdout ${lift.holdout.converted}/${lift.holdout.targets} = ${lift.holdout.rate.toFixed(3)}, ` +
        `absolute ${lift.absolute!.toFixed(3)} [${lo.toFixed(3)}, ${hi.toFixed(3)}], relative ${lift.relative!.toFixed(2)}`,
    );
    expect(lo).toBeLessThan(TRUE_LIFT);
    expect(hi).toBeGreaterThan(TRUE_LIFT);
    expect(lift.absolute!).toBeGreaterThan(lo);
    expect(lift.absolute!).toBeLessThan(hi);
    // Narrow enough to tell: the interval excludes "no effect" by far.
    expect(lo).toBeGreaterThan(0.2);
    expect(hi - lo).toBeLessThan(0.1);
    // The day-by-day course ends where the totals are: every payment fell inside its sequence.
    const last = lift.byDay[lift.byDay.length - 1]!;
    expect(last.treated).toBeCloseTo(lift.treated.rate, 10);
    expect(last.holdout).toBeCloseTo(lift.holdout.rate, 10);
    expect(lift.byDay.map((d) => d.day)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  }, 600_000);

  it("the interval's coverage is about 95 %: 400 simulated experiments of the same size", () => {
    const draw = seededRandom(22);
    const binomial = (n: number, p: number) => {
      let x = 0;
      for (let i = 0; i < n; i++) if (draw() < p) x++;
      return x;
    };
    let covered = 0;
    const runs = 400;
    for (let run = 0; run < runs; run++) {
      const [lo, hi] = newcombeDifferenceInterval(binomial(1750, PAY_MESSAGED), 1750, binomial(750, PAY_NOT_MESSAGED), 750);
      if (lo <= TRUE_LIFT && TRUE_LIFT <= hi) covered++;
    }
    expect(covered / runs).toBeGreaterThan(0.92);
    expect(covered / runs).toBeLessThan(0.98);
  });
});
