import { describe, expect, it } from "vitest";
import { SessionCapacityError } from "@relance/core";
import { FAST, createHarness } from "../support/engine-harness.js";

// whatsapp-web.js runs at most RELANCE_WWEBJS_MAX_SESSIONS Chromiums: a sender finding no room
// waits for a later run. That is this process's limit, not the referrer's outage.
describe("no room for one more session in this process", () => {
  it("leaves the sender for a later run: link not marked failed, nobody notified, nothing counted", async () => {
    const h = await createHarness(FAST);
    await h.seedMessages(7);
    await h.addReferrer("ref-1", "+33600000001");
    await h.addReferral("ref-1", "user-1", "+33611111111");
    await h.engine.runEnrollment();
    const ensureReady = h.transport.ensureReady.bind(h.transport);
    h.transport.ensureReady = async () => {
      throw new SessionCapacityError("[wwebjs] no room for the session of ref-1: 5 sessions are open or opening and all are in use");
    };

    expect(await h.dispatch()).toMatchObject({ sent: 0, failed: 0 });
    expect(h.notifier.sent).toEqual([]);
    expect((await h.engine.status("ref-1")).status).toBe("connected");
    const [target] = (await h.engine.listTargets("ref-1")).items;
    expect(target).toMatchObject({ status: "active", currentDay: 1, failedAttempts: 0, messagesDelivered: [] });

    h.transport.ensureReady = ensureReady;
    expect((await h.dispatch()).sent).toBe(1);
  });
});
