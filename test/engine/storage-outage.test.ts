import { describe, expect, it } from "vitest";
import { TransportUnavailableError, type TargetChanges } from "@relance/core";
import { OutageStorage, type StorageCall } from "@relance/adapters/testing";
import { everyStorageBackend } from "../support/storage-backends.js";
import { FAST, createHarness } from "../support/engine-harness.js";

/*
 * Storage outages through the engine, on every adapter: a wrapper fails, loses the answer of an
 * applied write, or freezes, on command. What must hold: no day is sent twice, none is lost or
 * recorded as failed when this process knows what happened, reservations come back, and a run
 * cut short says so.
 */

const { backends, track } = await everyStorageBackend("storage outages");

const changesOf = (call: StorageCall) => (call.operation === "targets.updateIf" ? (call.args[2] as TargetChanges) : null);
const isSendingMark = (call: StorageCall) => changesOf(call)?.claim?.stage === "sending";
const isRecord = (call: StorageCall) => changesOf(call)?.pushDelivery?.status === "sent";

describe.each(backends)("storage outages on %s, through the engine", (_name, open) => {
  async function loop(referrals = 1) {
    const outage = new OutageStorage(await open());
    track(() => outage.inner.close());
    const h = await createHarness({ ...FAST, storageRetryDelaysMs: [1_000, 1_000] }, outage.storage);
    await h.seedMessages(7);
    await h.addReferrer("ref-1", "+33600000001");
    for (let i = 0; i < referrals; i++) await h.addReferral("ref-1", `u${i}`, `+3361111111${i}`);
    expect(await h.engine.runEnrollment()).toMatchObject({ enrolled: referrals });
    return { h, outage };
  }

  it("a `sending` mark applied but answered with an error, then the storage away: nothing sent, the day sent once it is back, its reservation returned", async () => {
    const { h, outage } = await loop();
    let marked = false;
    outage.inject({ kind: "apply-then-fail", times: 1, match: (call) => (marked ||= isSendingMark(call)) });
    outage.inject({ kind: "fail", match: () => marked });

    const cut = await h.dispatch();
    expect(cut).toMatchObject({ sent: 0, failed: 0, aborted: true });
    expect(cut.abortReason).toMatch(/\[outage\] targets\.updateIf/);
    expect(h.transport.outbox()).toHaveLength(0);
    const [marking] = (await outage.inner.targets.list({}, { limit: 10 })).items;
    expect(marking!.claim?.stage).toBe("sending");

    outage.restore();
    expect(await h.dispatch()).toMatchObject({ sent: 1, failed: 0 });
    expect(h.transport.outbox()).toHaveLength(1);
    const [target] = (await outage.inner.targets.list({}, { limit: 10 })).items;
    expect(target).toMatchObject({ currentDay: 2, lastSentDay: 1, claim: null, failedAttempts: 0 });
    expect(target!.messagesDelivered.map((d) => d.status)).toEqual(["sent"]);
    // Reserved twice, given back once: one send counted today.
    expect((await h.engine.status("ref-1")).messagesSentToday).toBe(1);
  });

  // The two paths where the transport answers and the storage is away at that moment: the
  // process knows the day did not leave, so nothing may be skipped nor counted.
  it.each([
    ["unavailable (nothing left)", () => new TransportUnavailableError("session closed", "disconnected"), ["sent"]],
    ["a plain, retryable error", () => new Error("socket hang up"), ["failed", "sent"]],
  ])("a send answered %s while the storage is away: the day is sent once the storage is back, never taken for interrupted, its reservation returned", async (_case, failure, history) => {
    const { h, outage } = await loop();
    const originalSend = h.transport.send.bind(h.transport);
    h.transport.send = async () => {
      h.transport.send = originalSend;
      outage.down();
      throw failure();
    };

    const cut = await h.dispatch();
    expect(cut).toMatchObject({ sent: 0, aborted: true });
    expect(h.transport.outbox()).toHaveLength(0);

    outage.restore();
    // Past the claim's TTL and a retry's backoff: an unsettled `sending` claim would now be
    // recovered as interrupted and its day skipped.
    h.clock.advance(2 * 60 * 60_000);
    expect(await h.dispatch()).toMatchObject({ sent: 1 });
    expect(h.transport.outbox()).toHaveLength(1);
    const [target] = (await outage.inner.targets.list({}, { limit: 10 })).items;
    expect(target).toMatchObject({ currentDay: 2, lastSentDay: 1, claim: null });
    expect(target!.messagesDelivered.map((d) => [d.day, d.status])).toEqual(history.map((status) => [1, status]));
    expect(target!.messagesDelivered.some((d) => /interrupted/.test(d.errorMessage ?? ""))).toBe(false);
    // One send counted today: the reservation of the attempt that did not leave was given back.
    expect((await h.engine.status("ref-1")).messagesSentToday).toBe(1);
  });

  it("a record after the send lost through the outage: recorded with its message id once the storage is back, never resent nor marked failed", async () => {
    const { h, outage } = await loop();
    outage.inject({ kind: "fail", match: isRecord });

    const cut = await h.dispatch();
    expect(cut).toMatchObject({ sent: 1, aborted: true });
    const [sent] = h.transport.outbox();
    outage.restore();
    expect(await h.dispatch()).toMatchObject({ sent: 0, failed: 0 });
    expect(h.transport.outbox()).toHaveLength(1);
    const [target] = (await outage.inner.targets.list({}, { limit: 10 })).items;
    expect(target).toMatchObject({ currentDay: 2, lastSentDay: 1, claim: null });
    expect(target!.messagesDelivered).toHaveLength(1);
    expect(target!.messagesDelivered[0]).toMatchObject({ day: 1, status: "sent" });
    expect(target!.messagesDelivered[0]!.messageId).toBeTruthy();
    expect(sent!.day).toBe(1);
  });

  it("a storage down for a whole run: aborted with the first error (not the lease release's), nothing sent, and the next run does the work", async () => {
    const { h, outage } = await loop(3);
    // Down right after the sender's lease is taken: the release fails too.
    let leased = false;
    outage.inject({ kind: "fail", match: (call) => leased || ((leased = call.operation === "leases.acquire"), false) });
    const cut = await h.dispatch();
    expect(cut).toMatchObject({ sent: 0, aborted: true });
    expect(cut.abortReason).not.toMatch(/leases\.release/);
    expect(outage.calls.some((call) => call.operation === "leases.release" && call.fault === "fail")).toBe(true);

    outage.restore();
    // The lease taken before the outage is still this process's own: it renews it.
    expect(await h.dispatch()).toMatchObject({ sent: 3 });
    expect(new Set(h.transport.outbox().map((m) => m.to)).size).toBe(3);
  });

  it("a storage frozen then back within the retries: the run waits and goes on, nothing lost", async () => {
    const { h, outage } = await loop(2);
    let sends = 0;
    const originalSend = h.transport.send.bind(h.transport);
    h.transport.send = async (...args) => {
      const result = await originalSend(...args);
      if (++sends === 1) outage.down("hang");
      return result;
    };
    const run = h.dispatch();
    while (outage.hung === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    outage.restore();
    expect(await run).toEqual({ sent: 2, failed: 0, deferred: 0, held: 0, exited: 0 });
    const targets = (await outage.inner.targets.list({}, { limit: 10 })).items;
    expect(targets.every((t) => t.currentDay === 2 && t.claim === null && t.messagesDelivered.length === 1)).toBe(true);
  });

  it("a frozen storage that goes down: the run aborts when the calls time out; no day sent twice, every day sent after", async () => {
    const { h, outage } = await loop(2);
    let sends = 0;
    const originalSend = h.transport.send.bind(h.transport);
    h.transport.send = async (...args) => {
      const result = await originalSend(...args);
      if (++sends === 1) outage.down("hang");
      return result;
    };
    const run = h.dispatch();
    while (outage.hung === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    // Frozen, then down: the hung call times out, its retries are refused.
    outage.restore();
    outage.down();
    const cut = await run;
    expect(cut).toMatchObject({ sent: 1, aborted: true });
    expect(cut.abortReason).toMatch(/timed out|unreachable/);
    h.transport.send = originalSend;

    outage.restore();
    expect(await h.dispatch()).toMatchObject({ sent: 1, failed: 0 });
    const outbox = h.transport.outbox();
    expect(outbox.map((m) => m.to).sort()).toEqual(["+33611111110", "+33611111111"]);
    const targets = (await outage.inner.targets.list({}, { limit: 10 })).items;
    expect(targets.every((t) => t.currentDay === 2 && t.claim === null && t.messagesDelivered.length === 1)).toBe(true);
  });
});
