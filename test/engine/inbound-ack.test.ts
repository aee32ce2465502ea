import { describe, expect, it } from "vitest";
import { createRelanceEngine, type ReferralRepliedNotification, type RelanceEngine, type TransportEvent, type TransportListener } from "@relance/core";
import { LogNotifier, ManualClock, SandboxTransport, StoredDirectory, createMemoryStorage } from "@relance/adapters";
import { FAST, HOUR, NO_NEW_ACCOUNT_LIMITS, START, seededRandom } from "../support/engine-harness.js";

// Issue 18: the engine acknowledges an inbound message only once it is handled (the transport
// keeps it in its journal until then), and handling it again (a replay) changes nothing.

/** A sandbox that hands inbound messages to the listeners itself, to see their acknowledgement. */
class AckingSandbox extends SandboxTransport {
  private readonly hooks = new Set<TransportListener>();

  override subscribe(listener: TransportListener): () => void {
    this.hooks.add(listener);
    const off = super.subscribe(listener as (event: TransportEvent) => void);
    return () => {
      this.hooks.delete(listener);
      off();
    };
  }

  /** What a journaling transport does: emits, then awaits every listener's acknowledgement. */
  deliver(from: string, text: string): Promise<unknown> {
    const event: TransportEvent = { type: "inbound", referrerUserId: "ref-1", from: from as never, text, at: new Date() };
    return Promise.all([...this.hooks].map((hook) => hook(event)));
  }
}

async function setup(onReply: "stop" | "continue" = "stop") {
  const storage = createMemoryStorage();
  await storage.init();
  const clock = new ManualClock(START);
  const transport = new AckingSandbox({ clock, renderQr: false });
  const directory = new StoredDirectory(storage.directory, clock);
  const notifier = new LogNotifier();
  const engine: RelanceEngine = createRelanceEngine({ storage, directory, transport, clock, notifier, options: { ...NO_NEW_ACCOUNT_LIMITS, ...FAST }, random: seededRandom() });
  for (let day = 1; day <= 7; day++) await engine.messages.upsert({ dayNumber: day, messageTemplate: { fr: `Jour ${day}` } });
  await directory.setSubscription({ userId: "ref-1", active: true, name: "Jean", phone: "+33600000001" });
  await engine.connect("ref-1", { method: "qr" });
  transport.link("ref-1", "+33600000001");
  await engine.updateConfig("ref-1", { onReply });
  await directory.upsertReferral({ userId: "user-1", referrerId: "ref-1", phone: "+33611111111", name: "Alice", language: "fr", createdAt: new Date(clock.now().getTime() - 2 * HOUR), paid: false, paymentLink: "https://pay.example.com/1" });
  await engine.runEnrollment();
  expect((await engine.runDispatch()).sent).toBe(1);
  await engine.idle();
  return { storage, engine, transport, notifier };
}

const replies = (notifier: LogNotifier) => notifier.sent.filter((n): n is ReferralRepliedNotification => n.type === "referral_replied");

describe("the engine's acknowledgement of an inbound message", () => {
  it("resolves once the STOP is stored", async () => {
    const { storage, transport } = await setup();
    await transport.deliver("+33611111111", "STOP");
    expect(await storage.doNotContact.has("+33611111111")).toBe(true);
  });

  it("rejects when it could not be stored, so the transport keeps the message", async () => {
    const { storage, transport, engine } = await setup();
    storage.doNotContact.add = async () => {
      throw new Error("database unreachable");
    };
    await expect(transport.deliver("+33611111111", "STOP")).rejects.toThrow("database unreachable");
    const [target] = (await engine.listTargets("ref-1")).items;
    expect(target).toMatchObject({ status: "active" });
  });

  it("a STOP handled twice (a replay) opts out once", async () => {
    const { storage, transport, engine } = await setup();
    await transport.deliver("+33611111111", "STOP");
    await transport.deliver("+33611111111", "STOP");
    expect(await storage.doNotContact.has("+33611111111")).toBe(true);
    expect((await engine.stats("ref-1")).exited).toEqual({ opted_out: 1 });
  });

  for (const onReply of ["stop", "continue"] as const) {
    it(`a reply handled twice (a replay) counts and notifies once (onReply: ${onReply})`, async () => {
      const { transport, engine, notifier } = await setup(onReply);
      await transport.deliver("+33611111111", "je regarde ce soir");
      await transport.deliver("+33611111111", "je regarde ce soir");
      expect(replies(notifier)).toHaveLength(1);
      const stats = await engine.stats("ref-1");
      if (onReply === "stop") expect(stats.exited).toEqual({ replied: 1 });
      else expect((await engine.listTargets("ref-1")).items.filter((t) => t.repliedAt != null)).toHaveLength(1);
    });
  }
});
