import { describe, expect, it } from "vitest";
import type { TargetClaim } from "@relance/core";
import { at, HOUR, makeConfig, makeDelivery, makeTarget, MINUTE, T0 } from "../builders.js";
import { countNonNull, range, type ContractContext } from "./context.js";

function claim(owner: string, stage: TargetClaim["stage"], expiresAt: Date): TargetClaim {
  return { owner, day: 1, stage, at: new Date(expiresAt.getTime() - MINUTE), expiresAt };
}

/**
 * What the engine's fairness and its retries after storage errors rest on, observed through the
 * port: held senders leave the head of the due set, a conditional write applied twice changes a
 * target once, a recovery read before an exit does not overwrite it, and a config
 * read-modify-write never loses a change made since the read.
 */
export function describeResilience(ctx: ContractContext): void {
  describe("resilience: starvation, retried writes, races", () => {
    it("no starvation: more held referrers than one listing holds, plus one sendable; deferring the held ones lists it, and keeps it first", async () => {
      const held = range(5).map((i) => `held-${i}`);
      // Held referrers' targets waited longest (and sort first by id too).
      for (const referrerUserId of held) await ctx.storage().targets.insertIfAbsent(makeTarget({ referrerUserId, nextMessageDue: at(-2 * HOUR) }));
      const sendable = makeTarget({ referrerUserId: "sendable", nextMessageDue: at(-HOUR) });
      await ctx.storage().targets.insertIfAbsent(sendable);
      const limit = 3;
      const recheck = 10 * MINUTE;

      // Each run defers what it found held: within ceil(6 / 3) runs the sendable one is listed.
      const seen: string[][] = [];
      for (let run = 0; run < 3; run++) {
        const listed = await ctx.storage().targets.listDueReferrers(T0, limit);
        seen.push(listed);
        if (listed.includes("sendable")) break;
        for (const referrerUserId of listed) expect(await ctx.storage().targets.deferDue(referrerUserId, T0, at(recheck))).toBe(1);
      }
      expect(seen[0]).toEqual(held.slice(0, 3));
      expect(seen.at(-1)).toContain("sendable");
      expect(seen.length).toBeLessThanOrEqual(2);
      // When the held ones come back, the one that waited longest is still first.
      for (const referrerUserId of held) await ctx.storage().targets.deferDue(referrerUserId, T0, at(recheck));
      expect(await ctx.storage().targets.listDueReferrers(at(recheck), 1)).toEqual(["sendable"]);
    });

    it("resumeDue: the way back from a hold, only the referrer's active unclaimed targets due within the delay", async () => {
      const recheck = 10 * MINUTE;
      const held = makeTarget({ nextMessageDue: at(5 * MINUTE), updatedAt: at(-MINUTE) });
      const later = makeTarget({ nextMessageDue: at(recheck + MINUTE) });
      const dueAlready = makeTarget({ nextMessageDue: at(-MINUTE) });
      const claimed = makeTarget({ nextMessageDue: at(MINUTE), claim: claim("run-a", "claimed", at(MINUTE)) });
      const exited = makeTarget({ status: "exited", exitReason: "paid", nextMessageDue: at(MINUTE) });
      const other = makeTarget({ referrerUserId: "referrer-2", nextMessageDue: at(MINUTE) });
      for (const target of [held, later, dueAlready, claimed, exited, other]) await ctx.storage().targets.insertIfAbsent(target);
      expect(await ctx.storage().targets.resumeDue("referrer-1", T0, at(recheck))).toBe(1);
      expect(await ctx.storage().targets.get(held.id)).toMatchObject({ nextMessageDue: T0, updatedAt: T0, revision: 1 });
      for (const untouched of [later, dueAlready, claimed, exited, other]) {
        expect((await ctx.storage().targets.get(untouched.id))!.revision, untouched.id).toBe(0);
      }
    });

    it("a retried `sending` mark whose first attempt applied changes nothing the second time", async () => {
      const target = makeTarget({ claim: claim("run-a", "claimed", at(MINUTE)) });
      await ctx.storage().targets.insertIfAbsent(target);
      const condition = { status: "active" as const, currentDay: 1, claimedBy: { owner: "run-a", stage: "claimed" as const } };
      const changes = { claim: claim("run-a", "sending", at(2 * MINUTE)), updatedAt: T0 };
      expect(await ctx.storage().targets.updateIf(target.id, condition, changes)).not.toBeNull();
      // The retry after an error whose write did apply: nothing matches any more.
      expect(await ctx.storage().targets.updateIf(target.id, condition, changes)).toBeNull();
      const stored = await ctx.storage().targets.get(target.id);
      expect(stored!.revision).toBe(1);
      // Nothing left: clearing the claim matches only the stage it expects.
      const undo = { claimedBy: { owner: "run-a", stage: "sending" as const } };
      expect((await ctx.storage().targets.updateIf(target.id, undo, { claim: null, updatedAt: T0 }))!.claim).toBeNull();
      expect(await ctx.storage().targets.updateIf(target.id, undo, { claim: null, updatedAt: T0 })).toBeNull();
    });

    it("a retried record whose first attempt applied keeps one delivery, and its exit fallback does not match", async () => {
      const target = makeTarget({ claim: claim("run-a", "sending", at(MINUTE)) });
      await ctx.storage().targets.insertIfAbsent(target);
      const delivery = makeDelivery({ day: 1, messageId: "msg-1" });
      const record = () =>
        ctx.storage().targets.updateIf(
          target.id,
          { status: "active", currentDay: 1, claimedBy: { owner: "run-a", stage: "sending" } },
          { currentDay: 2, nextMessageDue: at(24 * HOUR), lastSentDay: 1, claim: null, pushDelivery: delivery, updatedAt: T0 },
        );
      const fallback = () =>
        ctx.storage().targets.updateIf(target.id, { claimedBy: { owner: "run-a", stage: "sending" } }, { pushDelivery: delivery, claim: null, updatedAt: T0 });
      expect(await record()).not.toBeNull();
      expect(await record()).toBeNull();
      expect(await fallback()).toBeNull();
      const stored = await ctx.storage().targets.get(target.id);
      expect(stored!.messagesDelivered).toHaveLength(1);
      expect(stored!).toMatchObject({ currentDay: 2, lastSentDay: 1, claim: null, revision: 1 });
    });

    it("a retried exit fallback with a variant: one delivery of that variant, and the day sent before the exit counted under it", async () => {
      const target = makeTarget({ claim: claim("run-a", "sending", at(MINUTE)) });
      await ctx.storage().targets.insertIfAbsent(target);
      // Paid while the message was leaving; the exit keeps the claim.
      const exit = { status: "exited" as const, exitReason: "paid" as const, exitedLoopAt: at(MINUTE), nextMessageDue: null, updatedAt: at(MINUTE) };
      expect(await ctx.storage().targets.updateIf(target.id, { status: "active" }, exit)).not.toBeNull();
      const delivery = makeDelivery({ day: 1, messageId: "msg-1", sentAt: T0, variant: "short" });
      const record = () =>
        ctx.storage().targets.updateIf(
          target.id,
          { status: "active", currentDay: 1, claimedBy: { owner: "run-a", stage: "sending" } },
          { currentDay: 2, nextMessageDue: at(24 * HOUR), lastSentDay: 1, lastSentVariant: "short", claim: null, pushDelivery: delivery, updatedAt: T0 },
        );
      const fallback = () =>
        ctx.storage().targets.updateIf(
          target.id,
          { claimedBy: { owner: "run-a", stage: "sending" } },
          { pushDelivery: delivery, claim: null, lastSentDay: 1, lastSentVariant: "short", updatedAt: T0 },
        );
      expect(await record()).toBeNull();
      expect(await fallback()).not.toBeNull();
      // Retried after an error whose write did apply: nothing matches any more.
      expect(await fallback()).toBeNull();
      const stored = await ctx.storage().targets.get(target.id);
      expect(stored!).toMatchObject({ status: "exited", exitReason: "paid", currentDay: 1, lastSentDay: 1, lastSentVariant: "short", claim: null, revision: 2 });
      expect(stored!.messagesDelivered).toEqual([expect.objectContaining({ day: 1, messageId: "msg-1", variant: "short" })]);
      expect((await ctx.storage().targets.stats({})).conversions.byVariant).toEqual({ "1": { short: { sent: 1, converted: 1 } } });
    });

    it("deferring and resuming held targets keeps their variant fields", async () => {
      const target = makeTarget({ nextMessageDue: at(-MINUTE), currentDay: 2, lastSentDay: 1, lastSentVariant: "short", messagesDelivered: [makeDelivery({ day: 1, variant: "short" })] });
      await ctx.storage().targets.insertIfAbsent(target);
      expect(await ctx.storage().targets.deferDue("referrer-1", T0, at(10 * MINUTE))).toBe(1);
      expect(await ctx.storage().targets.resumeDue("referrer-1", T0, at(10 * MINUTE))).toBe(1);
      expect(await ctx.storage().targets.get(target.id)).toMatchObject({
        nextMessageDue: T0,
        lastSentVariant: "short",
        messagesDelivered: [{ day: 1, variant: "short" }],
        revision: 2,
      });
    });

    it("a recovery read before an exit does not overwrite the exit (revision in its condition)", async () => {
      const target = makeTarget({ claim: claim("dead-run", "sending", at(-MINUTE)) });
      await ctx.storage().targets.insertIfAbsent(target);
      const [interrupted] = await ctx.storage().targets.listInterrupted(T0, 10);
      expect(interrupted!.id).toBe(target.id);
      // The exit lands between the recovery's read and its write; it keeps the claim.
      const exit = { status: "exited" as const, exitReason: "opted_out" as const, exitedLoopAt: T0, nextMessageDue: null, updatedAt: T0 };
      expect(await ctx.storage().targets.updateIf(target.id, { status: "active" }, exit)).not.toBeNull();
      const recovered = await ctx.storage().targets.updateIf(
        target.id,
        { claimedBy: { owner: "dead-run", stage: "sending" }, revision: interrupted!.revision },
        { status: "completed", exitReason: "completed_7_days", claim: null, updatedAt: T0 },
      );
      expect(recovered).toBeNull();
      expect(await ctx.storage().targets.get(target.id)).toMatchObject({ status: "exited", exitReason: "opted_out" });
    });

    it("config updates conditioned on updatedAt: none lost, of 20 concurrent read-modify-writes exactly one applies", async () => {
      const initial = await ctx.storage().configs.getOrCreate(makeConfig({ referrerUserId: "r-cas", updatedAt: T0 }));
      const first = await ctx.storage().configs.update("r-cas", { sendingPaused: true, updatedAt: at(MINUTE) }, { updatedAt: initial.updatedAt });
      expect(first).toMatchObject({ sendingPaused: true, updatedAt: at(MINUTE) });
      // A writer that read before the first update: refused, the pause stays.
      const stale = await ctx.storage().configs.update("r-cas", { timezone: "Europe/London", updatedAt: at(2 * MINUTE) }, { updatedAt: initial.updatedAt });
      expect(stale).toBeNull();
      expect(await ctx.storage().configs.get("r-cas")).toMatchObject({ sendingPaused: true, timezone: initial.timezone, updatedAt: at(MINUTE) });
      const results = await Promise.all(
        range(20).map((i) => ctx.storage().configs.update("r-cas", { enabled: i % 2 === 0, updatedAt: at(10 * MINUTE + i) }, { updatedAt: at(MINUTE) })),
      );
      expect(countNonNull(results)).toBe(1);
      const winner = results.find((result) => result !== null)!;
      expect(await ctx.storage().configs.get("r-cas")).toEqual(winner);
      expect(await ctx.storage().configs.update("r-unknown", { enabled: false, updatedAt: T0 }, { updatedAt: T0 })).toBeNull();
      // onReply goes through the same compare-and-set.
      const current = (await ctx.storage().configs.get("r-cas"))!;
      expect(await ctx.storage().configs.update("r-cas", { onReply: "continue", updatedAt: at(HOUR) }, { updatedAt: current.updatedAt })).toMatchObject({ onReply: "continue" });
      expect(await ctx.storage().configs.update("r-cas", { onReply: "stop", updatedAt: at(2 * HOUR) }, { updatedAt: current.updatedAt })).toBeNull();
      expect(await ctx.storage().configs.get("r-cas")).toMatchObject({ onReply: "continue", updatedAt: at(HOUR) });
    });
  });
}
