import { describe, expect, it } from "vitest";
import { HOUR, START, enrolledHarness } from "../support/engine-harness.js";

const enrolled = enrolledHarness;

const at = (ms: number) => new Date(new Date(START).getTime() + ms);

describe("sender restricted by WhatsApp", () => {
  it("reported by the session: holds until its end without counting an attempt, notifies once, shows in Status, then resumes", async () => {
    const h = await enrolled(3);
    const until = at(6 * HOUR);
    h.transport.restrict("ref-1", { reason: "reach-out time lock", until });
    await h.engine.idle();
    // The transport announced it: Status shows it at once; dispatch, which holds the sender, notifies.
    expect((await h.engine.status("ref-1")).restriction).toEqual({ reason: "reach-out time lock", until });
    expect(h.notifier.sent).toHaveLength(0);

    expect(await h.dispatch()).toMatchObject({ sent: 0, failed: 0, held: 3 });
    const items = (await h.engine.listTargets("ref-1")).items;
    expect(items.every((t) => t.status === "active" && t.currentDay === 1 && t.failedAttempts === 0 && t.messagesDelivered.length === 0)).toBe(true);
    expect(items.every((t) => t.nextMessageDue!.getTime() === until.getTime())).toBe(true);
    expect(h.notifier.sent).toEqual([
      { type: "sender_restricted", referrerUserId: "ref-1", reason: "reach-out time lock", until, heldTargets: 3, at: at(0) },
    ]);
    expect((await h.engine.status("ref-1")).restriction).toEqual({ reason: "reach-out time lock", until });

    h.clock.set(at(HOUR));
    expect(await h.dispatch()).toMatchObject({ sent: 0, held: 0 });
    expect(h.transport.outbox()).toHaveLength(0);

    h.clock.set(until);
    expect((await h.dispatch()).sent).toBe(3);
    expect((await h.engine.status("ref-1")).restriction).toBeNull();
    expect(h.notifier.sent).toHaveLength(1);
  });

  it("revealed by a refused number check or send (error 463, end unknown): held and re-checked on each run, one notification, resumes once lifted", async () => {
    const h = await enrolled(3);
    h.transport.restrict("ref-1", { reason: "account restricted (463)", until: null }, { inState: false });

    // Held, and looked at again every heldRecheckMs (10 min): the runs in between skip them.
    for (let run = 0; run < 3; run++) {
      expect(await h.dispatch()).toMatchObject({ sent: 0, failed: 0, held: 3 });
      h.clock.advance(60_000);
      expect(await h.dispatch()).toMatchObject({ sent: 0, held: 0 });
      h.clock.advance(9 * 60_000);
    }
    const items = (await h.engine.listTargets("ref-1")).items;
    expect(items.every((t) => t.failedAttempts === 0 && t.messagesDelivered.length === 0 && t.nextMessageDue!.getTime() === h.clock.now().getTime())).toBe(true);
    expect(h.notifier.sent).toHaveLength(1);
    expect(h.notifier.sent[0]).toMatchObject({ type: "sender_restricted", reason: "account restricted (463)", until: null });
    expect((await h.engine.status("ref-1")).restriction).toEqual({ reason: "account restricted (463)", until: null });

    h.transport.liftRestriction("ref-1");
    expect((await h.dispatch()).sent).toBe(3);
    expect((await h.engine.status("ref-1")).restriction).toBeNull();

    // A later restriction is a new one: the referrer hears of it again.
    h.clock.advance(24 * HOUR);
    h.transport.restrict("ref-1", { reason: "new chats capped", until: null }, { inState: false });
    expect(await h.dispatch()).toMatchObject({ sent: 0, failed: 0, held: 3 });
    expect(h.notifier.sent.map((n) => ("reason" in n ? n.reason : null))).toEqual(["account restricted (463)", "new chats capped"]);
  });

  it("refusing a send mid-batch holds the rest of the batch and gives the daily budget back", async () => {
    const h = await enrolled(3);
    await h.dispatch();
    h.clock.advance(24 * HOUR);
    // Day 2 needs no number check: the send itself is refused.
    h.transport.restrict("ref-1", { reason: "account restricted (463)", until: at(30 * HOUR) }, { inState: false });
    expect(await h.dispatch()).toMatchObject({ sent: 0, failed: 0, held: 3 });
    const items = (await h.engine.listTargets("ref-1")).items;
    expect(items.every((t) => t.currentDay === 2 && t.failedAttempts === 0 && t.claim === null)).toBe(true);
    expect(items.every((t) => t.nextMessageDue!.getTime() === at(30 * HOUR).getTime())).toBe(true);
    expect((await h.engine.status("ref-1")).messagesSentToday).toBe(0);
  });
});
