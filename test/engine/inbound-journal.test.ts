import { describe, expect, it } from "vitest";
import type { RelanceEngine, Transport } from "@relance/core";
import type { StorageBackend } from "@relance/adapters";
import type { ManualClock } from "@relance/adapters";
import type { FakeWhatsApp } from "@relance/adapters/testing/baileys";
import { HOUR } from "../support/engine-harness.js";
import { REFERRAL_PHONE, REFERRER, REFERRER_PHONE, baileysProcess, oneReferral, sentTexts, transportsClosedAfterEach, until } from "../support/baileys-process.js";

// Issue 18, "nothing acknowledged is ever lost" (review B2, second half): Baileys sends the
// delivery receipt before it surfaces a message (messages-recv.js:1417 then 1432), so WhatsApp
// never sends it again. A STOP the library surfaced but the engine did not store (its process
// died, its database failed) stays in the session's journal and is handled on the session's next
// ready, in whichever process brings it up: day 2 is never sent.

const transports = transportsClosedAfterEach();

/** The engine's view of the storage, with opt-outs failing as when its database is unreachable. */
function optOutsFailing(storage: StorageBackend, attempts: { count: number }, how: "reject" | "hang" = "reject"): StorageBackend {
  const fail = async () => {
    attempts.count++;
    if (how === "hang") return new Promise<void>(() => {});
    throw new Error("database unreachable");
  };
  const doNotContact = new Proxy(storage.doNotContact, { get: (target, key, receiver) => (key === "add" ? fail : Reflect.get(target, key, receiver)) });
  return new Proxy(storage, { get: (target, key, receiver) => (key === "doNotContact" ? doNotContact : Reflect.get(target, key, receiver)) });
}

function process(storage: StorageBackend, world: FakeWhatsApp, clock: ManualClock, instanceId: string, engineStorage = storage, inboundAckWaitMs?: number): { engine: RelanceEngine; transport: Transport } {
  return baileysProcess({ storage, world, clock, instanceId, engineStorage, track: transports, transport: inboundAckWaitMs === undefined ? {} : { inboundAckWaitMs } });
}

describe("a STOP the library acknowledged but the engine did not store", () => {
  it("the engine's database refused it: handled on the session's next ready in another process, day 2 is not sent", () => scenario("reject"));

  it("the process died while the engine was storing it: handled on the session's next ready in another process, day 2 is not sent", () => scenario("hang"));
});

async function scenario(how: "reject" | "hang"): Promise<void> {
  const { storage, clock, world } = await oneReferral();

  // Process A: its engine cannot store opt-outs (the database refuses, or the process dies mid-write).
  const attempts = { count: 0 };
  const a = process(storage, world, clock, "process-a", optOutsFailing(storage, attempts, how), 20);
  for (let day = 1; day <= 7; day++) await a.engine.messages.upsert({ dayNumber: day, messageTemplate: { fr: `Jour ${day}` } });
  await a.engine.connect(REFERRER, { method: "qr" });
  await world.current(REFERRER).linkFromPhone(REFERRER_PHONE);
  await until(async () => (await a.engine.status(REFERRER)).status === "connected", "linked");
  await a.engine.runEnrollment();
  expect((await a.engine.runDispatch()).sent).toBe(1);

  // The referral answers STOP: WhatsApp got its delivery receipt, the engine could not store it.
  world.current(REFERRER).receiveText(REFERRAL_PHONE, "STOP");
  await until(() => attempts.count > 0, "the STOP reaching the engine");
  expect(await storage.doNotContact.has(REFERRAL_PHONE)).toBe(false);
  if (how === "reject") {
    await a.engine.idle();
    await a.engine.stopJobs();
    await a.transport.close();
    await a.engine.stop();
  }
  // "hang": process A dies with the write in flight: nothing of it runs again, its lease expires.

  // The next day, process B brings the session up: the STOP is handled before anything is sent.
  clock.advance(24 * HOUR);
  const b = process(storage, world, clock, "process-b");
  const result = await b.engine.runDispatch();
  await b.engine.idle();
  expect(result.sent).toBe(0);
  expect(sentTexts(world)).toEqual(["Jour 1"]);
  expect(await storage.doNotContact.has(REFERRAL_PHONE)).toBe(true);
  const [target] = (await b.engine.listTargets(REFERRER)).items;
  expect(target).toMatchObject({ status: "exited", exitReason: "opted_out" });
  await b.engine.stop();
}

