import { describe, expect, it } from "vitest";
import { FAST, createHarness } from "../support/engine-harness.js";

describe("no starvation behind held senders", () => {
  it("more held referrers than one run takes, plus one that can send: it gets its turn once the runs have deferred the held ones, and goes first when they are due again", async () => {
    // Two referrers per run; four held ones whose targets waited longer than the sendable one's.
    const h = await createHarness({ ...FAST, maxReferrersPerRun: 2 });
    await h.seedMessages(7);
    for (let i = 0; i < 4; i++) {
      await h.addReferrer(`held-${i}`, `+3360000000${i}`);
      await h.addReferral(`held-${i}`, `h${i}`, `+3361111111${i}`, { ageMs: 3 * 3_600_000 });
    }
    expect(await h.engine.runEnrollment()).toMatchObject({ enrolled: 4 });
    for (let i = 0; i < 4; i++) await h.engine.updateConfig(`held-${i}`, { sendingPaused: true });
    h.clock.advance(60_000);
    await h.addReferrer("sendable", "+33600000009");
    await h.addReferral("sendable", "s0", "+33622222220");
    await h.engine.runEnrollment();

    // Without deferral, the same two held referrers would head every run and the sendable one
    // would never be listed. Run 1 and 2 each take two held ones and defer them; run 3 sends.
    expect(await h.dispatch()).toMatchObject({ sent: 0, held: 2 });
    expect(await h.dispatch()).toMatchObject({ sent: 0, held: 2 });
    expect(await h.dispatch()).toMatchObject({ sent: 1, held: 0 });
    expect(h.transport.outbox().map((m) => m.to)).toEqual(["+33622222220"]);

    // When the held ones are due again, a sendable target that waited longer still goes first.
    await h.addReferral("sendable", "s1", "+33622222221", { ageMs: 2 * 3_600_000 });
    await h.engine.runEnrollment();
    h.clock.advance(10 * 60_000);
    const listed = await h.storage.targets.listDueReferrers(h.clock.now(), 2);
    expect(listed[0]).toBe("sendable");
  });
});
