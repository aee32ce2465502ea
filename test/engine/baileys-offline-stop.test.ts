import { describe, expect, it } from "vitest";
import type { RelanceEngine } from "@relance/core";
import type { StorageBackend } from "@relance/adapters";
import type { ManualClock } from "@relance/adapters";
import type { FakeWhatsApp } from "@relance/adapters/testing/baileys";
import { HOUR } from "../support/engine-harness.js";
import { REFERRER, REFERRER_PHONE, baileysProcess, oneReferral, sentTexts, transportsClosedAfterEach, until } from "../support/baileys-process.js";

// "Never miss a STOP" through the engine and the Baileys transport on the fake sockets: a STOP
// that reached the referrer's account while no socket was open (idle close, restart) is read
// before anything else is sent, whether or not a message is due.

const transports = transportsClosedAfterEach();

function process(storage: StorageBackend, world: FakeWhatsApp, clock: ManualClock, instanceId: string): RelanceEngine {
  // The fake's offline queue takes at most tens of ms here; production waits 2 s of quiet.
  return baileysProcess({ storage, world, clock, instanceId, track: transports, transport: { offlineQuietMs: 300 } }).engine;
}

/** Day 1 sent from a linked account, then the process stops. */
async function dayOneSent() {
  const { storage, clock, world } = await oneReferral();
  const first = await process(storage, world, clock, "process-a");
  for (let day = 1; day <= 7; day++) await first.messages.upsert({ dayNumber: day, messageTemplate: { fr: `Jour ${day} : bonjour {{firstName}}` } });
  await first.connect(REFERRER, { method: "qr" });
  await world.current(REFERRER).linkFromPhone(REFERRER_PHONE);
  await until(async () => (await first.status(REFERRER)).status === "connected", "linked");
  await first.runEnrollment();
  expect((await first.runDispatch()).sent).toBe(1);
  await first.stop();
  await transports.splice(0)[0]!.close();
  return { storage, clock, world };
}

describe("a STOP that arrived while the session was closed", () => {
  it("is read before day 2 is sent: the referral exits opted_out and gets nothing more", async () => {
    const { storage, clock, world } = await dayOneSent();
    world.sendWhileOffline(REFERRER, { key: { remoteJid: "33611111111@s.whatsapp.net", fromMe: false, id: "OFF-STOP" }, message: { conversation: "Stop" }, messageTimestamp: 1 });
    clock.advance(24 * HOUR);

    const second = await process(storage, world, clock, "process-b");
    const result = await second.runDispatch();
    await second.idle();
    expect(result.sent).toBe(0);
    expect(sentTexts(world)).toEqual(["Jour 1 : bonjour Alice"]);
    const [target] = (await second.listTargets(REFERRER)).items;
    expect(target).toMatchObject({ status: "exited", exitReason: "opted_out" });
    await second.stop();
  });

  it("is read before day 2 even when Baileys is still decrypting it after the server ended the backlog (reproduction engine-offline-stop)", async () => {
    const { storage, clock, world } = await dayOneSent();
    // Baileys' offline queue handles one node at a time with key-store I/O (lib/Utils/offline-node-processor.js):
    // the STOP is upserted after `receivedPendingNotifications`, which the server sent without waiting.
    world.offlineNodeDelayMs = 30;
    world.sendWhileOffline(REFERRER, { key: { remoteJid: "33611111111@s.whatsapp.net", fromMe: false, id: "OFF-STOP" }, message: { conversation: "STOP" }, messageTimestamp: 1 });
    clock.advance(24 * HOUR);

    const second = await process(storage, world, clock, "process-b");
    const result = await second.runDispatch();
    await second.idle();
    expect(result.sent).toBe(0);
    expect(sentTexts(world)).toEqual(["Jour 1 : bonjour Alice"]);
    const [target] = (await second.listTargets(REFERRER)).items;
    expect(target).toMatchObject({ status: "exited", exitReason: "opted_out" });
    await second.stop();
  });

  it("is read by the listen job even when nothing is due", async () => {
    const { storage, clock, world } = await dayOneSent();
    world.sendWhileOffline(REFERRER, { key: { remoteJid: "33611111111@s.whatsapp.net", fromMe: false, id: "OFF-STOP" }, message: { conversation: "ARRÊT" }, messageTimestamp: 1 });
    clock.advance(2 * HOUR); // day 2 is not due before tomorrow

    const second = await process(storage, world, clock, "process-b");
    await second.runListen();
    await second.idle();
    const [target] = (await second.listTargets(REFERRER)).items;
    expect(target).toMatchObject({ status: "exited", exitReason: "opted_out" });
    await second.stop();
  });
});
