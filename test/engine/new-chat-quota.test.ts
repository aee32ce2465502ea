import { afterEach, describe, expect, it } from "vitest";
import { NewChatMessageCappingStatusType } from "@whiskeysockets/baileys";
import type { Transport } from "@relance/core";
import { ManualClock, StoredDirectory, createMemoryStorage } from "@relance/adapters";
import { FakeWhatsApp } from "@relance/adapters/testing/baileys";
import { HOUR, START } from "../support/engine-harness.js";
import { baileysProcess, until } from "../support/baileys-process.js";

// Issue 21, item 3: where WhatsApp reports the account's quota of messages to people who never
// answered (Baileys' fetchNewChatMessageCap when a socket opens, message-capping.update when the
// server pushes it; see packages/adapters/src/transports/baileys/new-chat-quota.ts for file:line),
// first contacts never exceed what remains; follow-ups are not new chats and keep going.

const REFERRER = "ref-1";
const REFERRER_PHONE = "+33600000001";
const DAY = 24 * HOUR;
const transports: Transport[] = [];
afterEach(async () => {
  await Promise.all(transports.splice(0).map((t) => t.close()));
});

async function linkedWithReferrals(referrals: number, capping: { total: number; used: number; cycleEnd: Date } | null) {
  const storage = createMemoryStorage();
  await storage.init();
  const clock = new ManualClock(START);
  const world = new FakeWhatsApp({ now: () => clock.now() });
  if (capping) {
    world.capping.set(REFERRER, {
      total_quota: capping.total,
      used_quota: capping.used,
      cycle_end_timestamp: String(Math.floor(capping.cycleEnd.getTime() / 1000)),
      capping_status: NewChatMessageCappingStatusType.NONE,
    });
  }
  const directory = new StoredDirectory(storage.directory, clock);
  await directory.setSubscription({ userId: REFERRER, active: true, name: "Jean Martin", phone: REFERRER_PHONE });
  for (let i = 0; i < referrals; i++) {
    await directory.upsertReferral({ userId: `user-${i}`, referrerId: REFERRER, phone: `+336111111${String(i).padStart(2, "0")}`, name: `Client ${i}`, language: "fr", createdAt: new Date(clock.now().getTime() - 2 * HOUR), paid: false, paymentLink: null });
  }
  const { engine, transport } = baileysProcess({ storage, world, clock, instanceId: "process-a", track: transports });
  for (let day = 1; day <= 7; day++) await engine.messages.upsert({ dayNumber: day, messageTemplate: { fr: `Jour ${day} : bonjour {{firstName}}` } });
  await engine.connect(REFERRER, { method: "qr" });
  await world.current(REFERRER).linkFromPhone(REFERRER_PHONE);
  await until(async () => (await engine.status(REFERRER)).status === "connected", "linked");
  await engine.runEnrollment();
  return { storage, clock, world, engine, transport };
}

const textsOfDay = (world: FakeWhatsApp, day: number) =>
  world.socketsOf(REFERRER).flatMap((s) => s.sent.map((m) => ("text" in m.content ? m.content.text : ""))).filter((text) => text.startsWith(`Jour ${day} `));

describe("the new-chat quota Baileys reports (issue 21, item 3)", () => {
  it("first contacts stop at what remains of the quota; follow-ups go on; a new cycle's quota lets the rest go", async () => {
    const cycleEnd = new Date(Date.parse(START) + 3 * DAY);
    const { clock, world, engine, transport } = await linkedWithReferrals(5, { total: 50, used: 47, cycleEnd });
    await until(() => transport.newChatQuota?.(REFERRER) !== null, "the quota fetched when the socket opened");
    expect(transport.newChatQuota!(REFERRER)).toMatchObject({ remaining: 3, resetsAt: cycleEnd });

    const first = await engine.runDispatch();
    await engine.idle();
    expect(first).toMatchObject({ sent: 3, failed: 0 });
    expect(textsOfDay(world, 1)).toHaveLength(3);
    expect((await engine.status(REFERRER)).newChatQuota).toEqual({ remaining: 0, resetsAt: cycleEnd });
    const waiting = (await engine.listTargets(REFERRER)).items.filter((t) => t.currentDay === 1);
    expect(waiting).toHaveLength(2);
    expect(waiting.every((t) => t.status === "active" && t.messagesDelivered.length === 0)).toBe(true);

    // WhatsApp counts those three new chats: what it answers when the next socket opens.
    world.capping.set(REFERRER, { total_quota: 50, used_quota: 50, cycle_end_timestamp: String(Math.floor(cycleEnd.getTime() / 1000)), capping_status: NewChatMessageCappingStatusType.FIRST_WARNING });

    // The next day: the three in conversation get day 2; the quota still holds the other two.
    clock.advance(DAY);
    await engine.runDispatch();
    await engine.idle();
    expect(textsOfDay(world, 2)).toHaveLength(3);
    expect(textsOfDay(world, 1)).toHaveLength(3);

    // WhatsApp pushes the new cycle's quota (message-capping.update): the two left go the next day.
    const nextEnd = new Date(cycleEnd.getTime() + 30 * DAY);
    const newCycle = { total_quota: 50, used_quota: 0, cycle_end_timestamp: String(Math.floor(nextEnd.getTime() / 1000)), capping_status: NewChatMessageCappingStatusType.NONE };
    world.capping.set(REFERRER, newCycle);
    world.current(REFERRER).pushCapping(newCycle);
    expect(transport.newChatQuota!(REFERRER)).toMatchObject({ remaining: 50, resetsAt: nextEnd });
    clock.advance(DAY);
    await engine.runDispatch();
    await engine.idle();
    expect(textsOfDay(world, 1)).toHaveLength(5);
    expect((await engine.status(REFERRER)).newChatQuota).toEqual({ remaining: 48, resetsAt: nextEnd });
    await engine.stop();
  });

  it("an account that reports no quota (an empty answer) is not limited by it, and its Status says null", async () => {
    const { world, engine, transport } = await linkedWithReferrals(2, null);
    world.current(REFERRER).pushCapping({});
    expect((await engine.runDispatch()).sent).toBe(2);
    expect(transport.newChatQuota!(REFERRER)).toBeNull();
    expect((await engine.status(REFERRER)).newChatQuota).toBeNull();
    await engine.stop();
  });
});
