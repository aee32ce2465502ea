import { describe, expect, it } from "vitest";
import { healthCounterOwner, type TargetCondition } from "@relance/core";
import { OutageStorage, type OutageKind, type StorageCall } from "@relance/adapters/testing";
import { everyStorageBackend } from "../support/storage-backends.js";
import { FAST, createHarness, type Harness } from "../support/engine-harness.js";

/*
 * A send's health count ("sent", under the hour it left) rides on the write that records it
 * (`targets.updateIfCounting`): one storage call for both. Whatever the storage does to that write
 * — refused, or applied with its answer lost, once or until the next run settles what is owed —
 * and whether the target exited while the message was leaving (the history-only record then),
 * every message that left is counted exactly once, on every storage: the settlement policy's
 * retries and replays never count it twice.
 */

const { backends, track } = await everyStorageBackend("health count outage");
const HOUR = 60 * 60_000;

type Write = "recordSent" | "recordSentAfterExit";
const writeOf = (call: StorageCall): Write | null => {
  if (call.operation !== "targets.updateIfCounting") return null;
  return (call.args[1] as TargetCondition).status ? "recordSent" : "recordSentAfterExit";
};

/** The target exits (paid) while its message is in the transport: its record is the history-only one. */
function exitWhileLeaving(h: Harness, outage: OutageStorage): void {
  const originalSend = h.transport.send.bind(h.transport);
  h.transport.send = async (...args) => {
    h.transport.send = originalSend;
    const now = h.clock.now();
    await outage.inner.targets.updateIf(args[2].targetId, { status: "active" }, { status: "exited", exitReason: "paid", exitedLoopAt: now, nextMessageDue: null, updatedAt: now });
    return originalSend(...args);
  };
}

const rows: Array<{ write: Write; exits: boolean; away: boolean }> = [
  { write: "recordSent", exits: false, away: false },
  { write: "recordSent", exits: false, away: true },
  { write: "recordSent", exits: true, away: false },
  { write: "recordSent", exits: true, away: true },
  { write: "recordSentAfterExit", exits: true, away: false },
  { write: "recordSentAfterExit", exits: true, away: true },
];
const kinds: Array<Exclude<OutageKind, "hang">> = ["fail", "apply-then-fail"];
const cases = rows.flatMap((row) =>
  kinds.map((kind) => [`${row.write} ${kind}${row.exits ? " (the target exiting as the message leaves)" : ""}${row.away ? ", then the storage away until the next run" : ", once"}`, row, kind] as const),
);

describe.each(backends)("the health count of a send, folded into its record, on %s", (_name, open) => {
  it.each(cases)("%s: counted once", async (_title, row, kind) => {
    const outage = new OutageStorage(await open());
    track(() => outage.inner.close());
    const h = await createHarness({ ...FAST, senderHealth: true, storageRetryDelaysMs: [1_000] }, outage.storage);
    await h.seedMessages(7);
    await h.addReferrer("ref-1", "+33600000001");
    await h.addReferral("ref-1", "u0", "+33611111110");
    expect(await h.engine.runEnrollment()).toMatchObject({ enrolled: 1 });
    if (row.exits) exitWhileLeaving(h, outage);

    let hit = false;
    outage.inject({ kind, times: 1, match: (call) => (hit ||= writeOf(call) === row.write) });
    if (row.away) outage.inject({ kind: "fail", match: () => hit });
    const first = await h.dispatch();
    expect(hit, `the run reached ${row.write}`).toBe(true);
    expect(first.aborted ?? false).toBe(row.away);
    outage.restore();
    h.clock.advance(2 * HOUR);
    await h.dispatch();

    const outbox = h.transport.outbox();
    expect(outbox).toHaveLength(1);
    const [target] = (await outage.inner.targets.list({}, { limit: 10 })).items;
    expect(target!.claim).toBeNull();
    expect(target!.messagesDelivered.map((d) => d.status)).toEqual(["sent"]);
    expect(target!.status).toBe(row.exits ? "exited" : "active");
    // Exactly one "sent" count, under the hour the message left.
    const counters = await outage.inner.counters.listRange(healthCounterOwner("ref-1"), "", "~");
    expect(counters.filter((c) => c.key.endsWith(":s"))).toEqual([{ key: `${outbox[0]!.sentAt.toISOString().slice(0, 13)}:s`, count: 1 }]);
  });
});
