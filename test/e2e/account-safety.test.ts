import { describe, expect, it } from "vitest";
import { ok, sandboxServerForFile } from "../support/server-process.js";

// Issue 21 end to end, with the deployed defaults and nothing turned off: the real server process
// (as `npm start` runs it) on the file store and the sandbox, human pacing (first contacts 45-120 s
// apart, day starts spread over 3 h), the new-account ramp-up and first-contact caps, and sender
// health on. The sandbox's recipients are healthy unless `POST /sandbox/population` says otherwise.

const P = "/api/relance";
const HOUR = 3_600_000;
const MINUTE = 60_000;
const REFERRERS = ["anna", "bruno", "muted"];
const PER_REFERRER = 12;

const server = sandboxServerForFile({}, { realDefaults: true });

describe("account safety with the real defaults, end to end", () => {
  it("over simulated days: paced first contacts, spread day starts, and an account whose messages are never delivered held at_risk while the others keep going", async () => {
    const admin = await server.token("admin-1", "admin");
    const service = { service: true };
    // Monday 5 January 2026, 07:00 in Paris: an hour before the default window opens.
    await ok(server.call("POST", `${P}/sandbox/clock`, { body: { now: "2026-01-05T06:00:00.000Z" } }));
    for (let dayNumber = 1; dayNumber <= 7; dayNumber++) {
      await ok(server.call("POST", `${P}/admin/messages`, { token: admin, body: { dayNumber, messageTemplate: { fr: `Jour ${dayNumber}, {{firstName}}` } } }), 201);
    }
    for (const [r, id] of REFERRERS.entries()) {
      const phone = `+3360000000${r + 1}`;
      await ok(server.call("POST", `${P}/internal/subscriptions`, { ...service, body: { userId: id, active: true, name: id, phone } }));
      for (let i = 0; i < PER_REFERRER; i++) {
        const referral = { userId: `${id}-${i}`, phone: `+3362${r}${String(i).padStart(6, "0")}`, name: `Client ${i}`, createdAt: "2026-01-04T00:00:00Z" };
        await ok(server.call("POST", `${P}/internal/referrals`, { ...service, body: { referrerId: id, referral } }));
      }
      await ok(server.call("POST", `${P}/sandbox/link`, { body: { userId: id, phone } }));
    }
    await ok(server.call("POST", `${P}/sandbox/population`, { body: { referrerId: "muted", delivered: 0, seed: 9 } }));
    expect(await ok(server.call("POST", `${P}/internal/jobs/enrollment/run`, service))).toMatchObject({ enrolled: REFERRERS.length * PER_REFERRER });

    const status = async (id: string) => ok(server.call("GET", `${P}/status`, { token: await server.token(id) }));
    const outbox = async (id: string, day: number) =>
      ((await ok(server.call("GET", `${P}/sandbox/outbox?referrerId=${id}`))).items as Array<{ day: number; sentAt: string }>).filter((item) => item.day === day).map((item) => Date.parse(item.sentAt));
    const states: Record<string, Set<string>> = Object.fromEntries(REFERRERS.map((id) => [id, new Set<string>()]));
    // The dispatch job every 10 simulated minutes for two days.
    for (let step = 0; step < (48 * HOUR) / (10 * MINUTE); step++) {
      await ok(server.call("POST", `${P}/internal/jobs/dispatch/run`, service));
      await ok(server.call("POST", `${P}/sandbox/clock`, { body: { advanceMs: 10 * MINUTE } }));
      if (step % 6 === 5) for (const id of REFERRERS) states[id]!.add((await status(id)).health.state);
    }

    const starts: number[] = [];
    for (const id of ["anna", "bruno"]) {
      const day1 = await outbox(id, 1);
      expect(day1, id).toHaveLength(PER_REFERRER);
      expect(await outbox(id, 2), id).toHaveLength(PER_REFERRER);
      for (let i = 1; i < day1.length; i++) {
        expect(day1[i]! - day1[i - 1]!, id).toBeGreaterThanOrEqual(45_000);
        expect(day1[i]! - day1[i - 1]!, id).toBeLessThanOrEqual(120_000);
      }
      // The account's day starts at its own local time (Status.dayStartsAt), not at 08:00 for all.
      const { dayStartsAt, health } = await status(id);
      const [h, m] = (dayStartsAt as string).split(":").map(Number);
      const startsAt = Date.parse("2026-01-05T07:00:00.000Z") + ((h! - 8) * 60 + m!) * MINUTE;
      expect(day1[0]! - startsAt, id).toBeGreaterThanOrEqual(0);
      // Within the step the test moves the clock by, plus another account's batch: here each job
      // run is awaited over HTTP, its paced sends moving the sandbox clock (the scheduler's own
      // ticks overlap instead: test/engine/paced-starts.test.ts).
      expect(day1[0]! - startsAt, id).toBeLessThan(30 * MINUTE);
      starts.push(startsAt);
      expect([...states[id]!], id).toEqual(["good"]);
      expect(health).toEqual({ state: "good", reason: null, deliveredShare: 1 });
    }
    expect(new Set(starts).size).toBe(2);

    // The muted account sent its first day, then stopped once judged; its targets wait, unharmed.
    expect(await outbox("muted", 1)).toHaveLength(PER_REFERRER);
    expect(await outbox("muted", 2)).toHaveLength(0);
    expect((await status("muted")).health).toEqual({ state: "at_risk", reason: expect.stringContaining("delivered"), deliveredShare: 0 });
    const held = (await ok(server.call("GET", `${P}/targets`, { token: await server.token("muted") }))).items;
    expect(held).toHaveLength(PER_REFERRER);
    expect(held.every((target: { status: string; currentDay: number }) => target.status === "active" && target.currentDay === 2)).toBe(true);
    const senders = await ok(server.call("GET", `${P}/admin/senders`, { token: admin }));
    expect(senders.items[0]).toMatchObject({ referrerUserId: "muted", health: { state: "at_risk" } });
  }, 180_000);
});
