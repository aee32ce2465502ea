import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createHarness } from "../support/engine-harness.js";

const contactKey = (phone: string) => "k1:" + createHmac("sha256", "contact-key-secret-for-tests").update(phone).digest("base64url");

// Security review 2, M4: erasure deleted the targets, the only record that the referral had been
// a target, so the next enrollment pass (the directory still listing them, or the platform's next
// push) enrolled them again and day 1 went out a second time.
describe("security M4: an erasure sticks", () => {
  async function erasedHarness() {
    const h = await createHarness({ messageDelayMs: 0, messageJitterMs: 0, typingMs: 0, contactKey });
    await h.seedMessages(7);
    await h.addReferrer("ref-1", "+33600000001");
    await h.addReferral("ref-1", "user-1", "+33611111111");
    await h.engine.runEnrollment();
    expect((await h.dispatch()).sent).toBe(1);
    expect(await h.engine.eraseUser("user-1")).toMatchObject({ targets: 1 });
    return h;
  }

  it("the erased referral is not enrolled again when the directory lists it again (pull)", async () => {
    const h = await erasedHarness();
    // The user-service still has them and reports a change (its next hourly listing).
    await h.addReferral("ref-1", "user-1", "+33611111111", { name: "Erin" });
    expect(await h.engine.runEnrollment()).toMatchObject({ enrolled: 0 });
    expect((await h.engine.listTargets("ref-1")).items).toEqual([]);
    expect((await h.dispatch()).sent).toBe(0);
    expect(h.transport.outbox("ref-1").filter((m) => m.to === "+33611111111")).toHaveLength(1);
  });

  it("nor under another referrer", async () => {
    const h = await erasedHarness();
    await h.addReferrer("ref-2", "+33600000002");
    await h.addReferral("ref-2", "user-1", "+33611111111");
    expect(await h.engine.runEnrollment()).toMatchObject({ enrolled: 0 });
    expect((await h.engine.listTargets("ref-2")).items).toEqual([]);
  });

  it("keeps only a pseudonymous tombstone: the user id, no number, no name", async () => {
    const h = await erasedHarness();
    expect(await h.storage.exitedUsers.get("user-1")).toEqual({ userId: "user-1", reason: "manual", exitedAt: expect.any(Date) });
    expect(await h.storage.doNotContact.has("+33611111111")).toBe(false);
  });

  it("nor under a new user id with the same number: the tombstone holds a keyed hash of it", async () => {
    const h = await erasedHarness();
    await h.addReferral("ref-1", "user-1-again", "+33611111111");
    await h.addReferrer("ref-2", "+33600000002");
    await h.addReferral("ref-2", "someone-else", "+33611111111");
    expect(await h.engine.runEnrollment()).toMatchObject({ enrolled: 0 });
    expect((await h.dispatch()).sent).toBe(0);
    expect(h.transport.outbox("ref-1").filter((m) => m.to === "+33611111111")).toHaveLength(1);
    // The list holds the hash under the server's key, never the number, nor the referrer.
    expect(await h.storage.doNotContact.has(contactKey("+33611111111"))).toBe(true);
    expect(await h.storage.doNotContact.has("+33611111111")).toBe(false);
  });

  it("a STOP is kept under the keyed hash too, and entries from before the hashing still count", async () => {
    const h = await createHarness({ messageDelayMs: 0, messageJitterMs: 0, typingMs: 0, contactKey });
    await h.seedMessages(7);
    await h.addReferrer("ref-1", "+33600000001");
    await h.addReferral("ref-1", "user-1", "+33611111111");
    await h.addReferral("ref-1", "user-2", "+33622222222");
    // An opt-out stored in clear by an older version.
    await h.storage.doNotContact.add({ phone: "+33622222222", reason: "opted_out", referrerUserId: "ref-1", addedAt: h.clock.now() });
    await h.engine.runEnrollment();
    expect((await h.dispatch()).sent).toBe(1);
    await h.engine.handleInbound({ referrerUserId: "ref-1", from: "+33611111111", text: "STOP" });
    expect(await h.storage.doNotContact.has("+33611111111")).toBe(false);
    expect(await h.storage.doNotContact.has(contactKey("+33611111111"))).toBe(true);
    await h.addReferral("ref-1", "user-3", "+33611111111");
    expect(await h.engine.runEnrollment()).toMatchObject({ enrolled: 0 });
  });
});
