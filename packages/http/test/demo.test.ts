import { afterEach, describe, expect, it } from "vitest";
import { DemoRefusedError, startDemo, type Demo } from "../src/demo/demo.js";
import { API_PREFIX } from "../src/app/app.js";
import { JWT_SECRET, SERVICE_SECRET, SESSION_SECRET } from "./support/test-app.js";
import { sign } from "hono/jwt";

// Issue 24 item 1: `npm run demo`'s world, in-process, stepped through simulated days without
// waiting (the demo's main moves the same clock ~10 000× real time). Asserts the data the admin
// console charts is there; nothing here is timed.

const DAY = 86_400_000;
const ENV = { NODE_ENV: "test", RELANCE_JWT_SECRET: JWT_SECRET, RELANCE_SERVICE_SECRET: SERVICE_SECRET, WHATSAPP_SESSION_SECRET: SESSION_SECRET, LOG_LEVEL: "silent" };

let demo: Demo | null = null;
afterEach(async () => {
  await demo?.close();
  demo = null;
});

describe("npm run demo", () => {
  it("refuses to run in production", async () => {
    await expect(startDemo({ env: { ...ENV, NODE_ENV: "production" }, listen: false })).rejects.toBeInstanceOf(DemoRefusedError);
  });

  it("three simulated days fill the console: funnel, conversions by day, variants, receipts, replies", { timeout: 120_000 }, async () => {
    demo = await startDemo({ env: ENV, listen: false, start: new Date("2026-03-02T06:00:00Z") });
    await demo.advanceTo(new Date(demo.startedAt.getTime() + 3 * DAY), 20 * 60_000);

    const stats = await demo.stats();
    expect(stats.enrolled).toBeGreaterThan(100);
    expect(stats.messages.sent).toBeGreaterThan(200);
    expect(stats.messages.read).toBeGreaterThan(0);
    expect(stats.conversions.total).toBeGreaterThan(0);
    expect(Object.keys(stats.conversions.byDay).length).toBeGreaterThan(0);
    // Day 1's variants were all sent; some converted somewhere.
    expect(Object.keys(stats.conversions.byVariant["1"])).toEqual(expect.arrayContaining(["default", "court", "emoji"]));
    expect(stats.exited.paid).toBeGreaterThan(0);
    expect(stats.exited.replied).toBeGreaterThan(0);

    // The console's funnel: enrolled, then days sent.
    const admin = await sign({ sub: "admin", role: "admin", exp: Math.floor(Date.now() / 1000) + 600 }, JWT_SECRET, "HS256");
    const funnel: any = await (await demo.service.app.request(`${API_PREFIX}/admin/funnel`, { headers: { authorization: `Bearer ${admin}` } })).json();
    expect(funnel.enrolled).toBe(stats.enrolled);
    expect(funnel.sentByDay["1"]).toBeGreaterThan(100);
    expect(funnel.sentByDay["3"]).toBeGreaterThan(0);

    // The demo referrer (whose links `npm start` prints) has its own data.
    const referrer = await sign({ sub: "demo-referrer", exp: Math.floor(Date.now() / 1000) + 600 }, JWT_SECRET, "HS256");
    const own: any = await (await demo.service.app.request(`${API_PREFIX}/stats`, { headers: { authorization: `Bearer ${referrer}` } })).json();
    expect(own.messages.sent).toBeGreaterThan(0);
  });
});
