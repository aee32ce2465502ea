import { describe, expect, it } from "vitest";
import {
  TransportUnavailableError,
  dailyCounterKey,
  firstContactCounterKey,
  type RelanceOptions,
  type TargetChanges,
  type TargetCondition,
  type TransitionName,
} from "@relance/core";
import { OutageStorage, type OutageKind, type StorageCall } from "@relance/adapters/testing";
import { everyStorageBackend } from "../support/storage-backends.js";
import { FAST, createHarness, type Harness } from "../support/engine-harness.js";

/*
 * The outage matrix of the dispatch protocol (docs/dispatch-protocol.md): for EVERY transition of
 * the claim machine (the claim takes the reservation in the same call), and for the reservation's
 * give-back, the storage fails at that very step — refused, or applied with its answer lost — and stays away for the rest of the run. Once
 * it is back, on every storage: no day is sent twice, none is lost, none is skipped (taken for
 * interrupted) when this process knew what happened, and every reservation of a send that did
 * not leave is returned.
 */

const { backends, track } = await everyStorageBackend("dispatch outage matrix");

type Step = TransitionName | "giveBack";

/** Which step of the protocol a storage call is, from the shape the claim machine gives each transition. */
function stepOf(call: StorageCall): Step | null {
  if (call.operation === "targets.claimReserving") return "claim";
  if (call.operation === "counters.decrement") return "giveBack";
  if (call.operation !== "targets.updateIf") return null;
  const [, condition, changes] = call.args as [string, TargetCondition, TargetChanges];
  if (condition.unclaimedAt) return changes.claim ? "claim" : "postpone";
  if (condition.revision !== undefined && condition.claimedBy) return "recoverInterrupted";
  if (changes.claim?.stage === "sending") return "markSending";
  if (changes.pushDelivery?.status === "sent") return condition.status ? "recordSent" : "recordSentAfterExit";
  if (changes.pushDelivery?.status === "failed") return condition.status ? "recordFailed" : "recordFailedAfterExit";
  if (changes.exitReason === "invalid_number") return "exitInvalidNumber";
  if (condition.claimedBy?.stage === "sending" && changes.claim === null) return "abandon";
  if (condition.claimedBy?.stage === "claimed" && (changes.currentDay !== undefined || changes.status === "completed")) return "skipDay";
  if (condition.claimedBy?.stage === "claimed" && changes.claim === null) return "release";
  return null;
}

const HOUR = 60 * 60_000;
const PHONE = (i: number) => `+3361111111${i}`;

interface Row {
  step: Step;
  /** How the run reaches that step. */
  scene: string;
  referrals?: number;
  options?: Partial<RelanceOptions>;
  arrange?: (h: Harness, outage: OutageStorage) => Promise<void>;
  /** The end state once the storage is back, checked on top of the invariants. */
  outcome: "each sent once" | "exited invalid_number" | "exited, its send recorded" | "exited, its failure recorded" | "day 1 skipped, day 2 sent" | "day 1 interrupted, day 2 sent";
  /** Expected `status` of each target's deliveries (one referral) when it is not only ["sent"]. */
  history?: string[];
  /** The work ends on the next local day (a day moved on, a budget spent). */
  nextDay?: boolean;
}

/** The transport answers `failure` once; with `exitFirst`, the target exits while the send is in the transport. */
function failSendOnce(failure: () => Error | null, exitFirst = false) {
  return async (h: Harness, outage: OutageStorage) => {
    const originalSend = h.transport.send.bind(h.transport);
    h.transport.send = async (...args) => {
      h.transport.send = originalSend;
      if (exitFirst) {
        const now = h.clock.now();
        await outage.inner.targets.updateIf(args[2].targetId, { status: "active" }, { status: "exited", exitReason: "paid", exitedLoopAt: now, nextMessageDue: null, updatedAt: now });
      }
      const error = failure();
      if (error) throw error;
      return originalSend(...args);
    };
  };
}

/** The number check answers "unavailable" once: nothing sent, the claim released, the reservation given back. */
function failCheckOnce() {
  return async (h: Harness) => {
    const original = h.transport.isOnWhatsApp.bind(h.transport);
    h.transport.isOnWhatsApp = async () => {
      h.transport.isOnWhatsApp = original;
      throw new TransportUnavailableError("session closed", "disconnected");
    };
  };
}

const rows: Row[] = [
  { step: "claim", scene: "a due target", outcome: "each sent once" },
  { step: "markSending", scene: "a due target", outcome: "each sent once" },
  { step: "recordSent", scene: "a due target", outcome: "each sent once" },
  { step: "recordSentAfterExit", scene: "a target exiting while its message leaves", arrange: failSendOnce(() => null, true), outcome: "exited, its send recorded" },
  { step: "recordFailed", scene: "a send failing with a retryable error", arrange: failSendOnce(() => new Error("socket hang up")), outcome: "each sent once", history: ["failed", "sent"] },
  {
    step: "recordFailedAfterExit",
    scene: "a target exiting while its send fails",
    arrange: failSendOnce(() => new Error("socket hang up"), true),
    outcome: "exited, its failure recorded",
  },
  { step: "abandon", scene: "a send answered unavailable", arrange: failSendOnce(() => new TransportUnavailableError("session closed", "disconnected")), outcome: "each sent once" },
  { step: "giveBack", scene: "a send answered unavailable", arrange: failSendOnce(() => new TransportUnavailableError("session closed", "disconnected")), outcome: "each sent once" },
  { step: "release", scene: "a number check answered unavailable", arrange: failCheckOnce(), outcome: "each sent once" },
  { step: "giveBack", scene: "a number check answered unavailable", arrange: failCheckOnce(), outcome: "each sent once" },
  { step: "postpone", scene: "a first-contact budget spent by the first of two", referrals: 2, options: { maxFirstContactsPerDay: 1 }, outcome: "each sent once", nextDay: true },
  {
    step: "skipDay",
    scene: "a day without an active message",
    arrange: async (h) => void (await h.engine.messages.upsert({ dayNumber: 1, messageTemplate: { fr: "J1 {{firstName}}" }, active: false })),
    outcome: "day 1 skipped, day 2 sent",
  },
  { step: "exitInvalidNumber", scene: "a number not on WhatsApp", arrange: async (h) => h.transport.setOnWhatsApp(PHONE(0), false), outcome: "exited invalid_number" },
  {
    step: "recoverInterrupted",
    scene: "a process that died at `sending`",
    arrange: async (h, outage) => {
      const [target] = (await outage.inner.targets.list({}, { limit: 1 })).items;
      const at = h.clock.now();
      await outage.inner.targets.updateIf(target!.id, { status: "active" }, { claim: { owner: "dead/1", day: 1, stage: "sending", at, expiresAt: new Date(at.getTime() + 10 * 60_000) }, updatedAt: at });
      h.clock.advance(HOUR);
    },
    outcome: "day 1 interrupted, day 2 sent",
  },
];

const kinds: Array<Exclude<OutageKind, "hang">> = ["fail", "apply-then-fail"];
const cases = rows.flatMap((row) => kinds.map((kind) => [row.step, kind, row.scene, row, kind] as const));

describe.each(backends)("dispatch outage matrix on %s", (_name, open) => {
  it.each(cases)("%s %s (%s): nothing sent twice, nothing lost, no day skipped, reservations returned", async (_step, _kind, _scene, row, kind) => {
    const outage = new OutageStorage(await open());
    track(() => outage.inner.close());
    const h = await createHarness({ ...FAST, storageRetryDelaysMs: [1_000], ...row.options }, outage.storage);
    await h.seedMessages(7);
    await h.addReferrer("ref-1", "+33600000001");
    const referrals = row.referrals ?? 1;
    for (let i = 0; i < referrals; i++) await h.addReferral("ref-1", `u${i}`, PHONE(i));
    expect(await h.engine.runEnrollment()).toMatchObject({ enrolled: referrals });
    await row.arrange?.(h, outage);
    const firstDay = h.clock.now();

    // The step fails once (refused, or applied with its answer lost), then the storage is away.
    let hit = false;
    outage.inject({ kind, times: 1, match: (call) => (hit ||= stepOf(call) === row.step) });
    outage.inject({ kind: "fail", match: () => hit });
    const cut = await h.dispatch();
    expect(hit, `the run reached ${row.step}`).toBe(true);
    expect(cut.aborted).toBe(true);

    // Back; past the claims' TTL and a retry's backoff, then the next day.
    outage.restore();
    h.clock.advance(2 * HOUR);
    await h.dispatch();
    await h.dispatch();
    const secondDay = new Date(firstDay.getTime() + 24 * HOUR);
    const dayTwo = row.nextDay || row.outcome.startsWith("day 1");
    if (dayTwo) {
      h.clock.set(new Date(secondDay.getTime() + 2 * HOUR));
      await h.dispatch();
    }

    const outbox = h.transport.outbox();
    const targets = (await outage.inner.targets.list({}, { limit: 10 })).items;
    // Nothing sent twice.
    const keys = outbox.map((m) => `${m.targetId}:${m.day}`);
    expect(new Set(keys).size).toBe(keys.length);
    // No claim left behind, and no day this process knew about taken for interrupted.
    expect(targets.every((t) => t.claim === null)).toBe(true);
    const interrupted = targets.flatMap((t) => t.messagesDelivered).filter((d) => /interrupted/.test(d.errorMessage ?? ""));
    expect(interrupted).toHaveLength(row.outcome === "day 1 interrupted, day 2 sent" ? 1 : 0);
    // Every record matches what left, once.
    for (const target of targets) {
      const sent = target.messagesDelivered.filter((d) => d.status === "sent");
      expect(sent.map((d) => d.day)).toEqual(outbox.filter((m) => m.targetId === target.id).map((m) => m.day));
    }

    switch (row.outcome) {
      case "each sent once":
        // Day 1 of each target once (on the next local day, one that sent on the first is at its day 2 then).
        expect(outbox.filter((m) => m.day === 1)).toHaveLength(referrals);
        if (!dayTwo) expect(outbox).toHaveLength(referrals);
        for (const target of targets) {
          const sentDays = outbox.filter((m) => m.targetId === target.id).length;
          expect(target).toMatchObject({ status: "active", currentDay: 1 + sentDays, lastSentDay: sentDays });
          expect(target.messagesDelivered.filter((d) => d.day === 1).map((d) => d.status)).toEqual(row.history ?? ["sent"]);
        }
        break;
      case "exited, its send recorded":
        expect(outbox).toHaveLength(1);
        expect(targets[0]).toMatchObject({ status: "exited", exitReason: "paid" });
        expect(targets[0]!.messagesDelivered.map((d) => d.status)).toEqual(["sent"]);
        break;
      case "exited, its failure recorded":
        expect(outbox).toHaveLength(0);
        expect(targets[0]).toMatchObject({ status: "exited", exitReason: "paid" });
        expect(targets[0]!.messagesDelivered.map((d) => d.status)).toEqual(["failed"]);
        break;
      case "exited invalid_number":
        expect(outbox).toHaveLength(0);
        expect(targets[0]).toMatchObject({ status: "exited", exitReason: "invalid_number" });
        break;
      case "day 1 skipped, day 2 sent":
        expect(outbox.map((m) => m.day)).toEqual([2]);
        expect(targets[0]).toMatchObject({ status: "active", currentDay: 3, lastSentDay: 2 });
        break;
      case "day 1 interrupted, day 2 sent":
        expect(outbox.map((m) => m.day)).toEqual([2]);
        expect(targets[0]).toMatchObject({ status: "active", currentDay: 3, lastSentDay: 2 });
        expect(targets[0]!.messagesDelivered.map((d) => [d.day, d.status])).toEqual([
          [1, "failed"],
          [2, "sent"],
        ]);
        break;
    }

    // Reservations: each local day's counters hold exactly the sends that left that day. Except one
    // case, by design: a claim (and its reservation, one call) applied whose answer was lost cannot
    // be told from one refused, so its slots stay taken (the count errs on the safe side: one send
    // fewer that day at most) while the claim expires.
    const lostReservation = row.step === "claim" && kind === "apply-then-fail" ? 1 : 0;
    const config = await outage.inner.configs.get("ref-1");
    for (const day of dayTwo ? [firstDay, secondDay] : [firstDay]) {
      const key = dailyCounterKey(day, config!.timezone);
      const leftThatDay = outbox.filter((m) => dailyCounterKey(m.sentAt, config!.timezone) === key);
      const extra = day === firstDay ? lostReservation : 0;
      expect(await outage.inner.counters.get("ref-1", key), `daily counter of ${key}`).toBe(leftThatDay.length + extra);
      const firstContacts = leftThatDay.filter((m) => !outbox.some((o) => o.targetId === m.targetId && o.day < m.day));
      expect(await outage.inner.counters.get("ref-1", firstContactCounterKey(day, config!.timezone)), `first contacts of ${key}`).toBe(firstContacts.length + extra);
    }
  });
});
