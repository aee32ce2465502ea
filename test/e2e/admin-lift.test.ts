import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { holdoutGroup } from "@relance/core";
import { ARTIFACTS, CHROMIUM, HAS_CHROMIUM, VIEWPORTS, ok, pagesSuite, type PagesService, signInToConsole } from "../support/browser.js";
import { seededRandom } from "../support/engine-harness.js";

const describeIfChromium = HAS_CHROMIUM ? describe : describe.skip;
if (!HAS_CHROMIUM) console.warn(`[admin console lift] SKIPPED: no Chromium at ${CHROMIUM} (set CHROMIUM_PATH)`);

const P = "/api/relance";
const DAY = 24 * 3_600_000;
const REFERRALS = 150;
const users = Array.from({ length: REFERRALS }, (_, i) => `filleul-${i}`);

/*
 * Issue 22 in the console: a sandbox week with a 30 % holdout, payments reported by the platform
 * (treated 40 %, holdout 10 %, on a day drawn over the sequence); the console draws both groups'
 * cumulative conversion by day with the lift's interval, and sets the holdout share.
 */
describeIfChromium(`admin console: measured lift in headless Chromium (${CHROMIUM})`, () => {
  let app: PagesService;
  let browser: Browser;
  let admin: string;

  async function sandboxWeek() {
    const service = { service: true } as const;
    const draw = seededRandom(7);
    await ok(app.call("POST", `${P}/sandbox/clock`, { body: { now: "2026-01-05T08:00:00.000Z" } }));
    for (let day = 1; day <= 7; day++) await ok(app.call("POST", `${P}/admin/messages`, { token: admin, body: { dayNumber: day, messageTemplate: { fr: `J${day} Bonjour {{firstName}}` } } }));
    expect(await ok(app.call("PATCH", `${P}/admin/settings`, { token: admin, body: { holdoutPercent: 30 } }))).toEqual({ holdoutPercent: 30 });
    await ok(app.call("POST", `${P}/internal/subscriptions`, { ...service, body: { userId: "jean", active: true, name: "Jean Martin" } }));
    for (const [i, userId] of users.entries()) {
      await ok(app.call("POST", `${P}/internal/referrals`, { ...service, body: { referrerId: "jean", referral: { userId, phone: `+33611${String(i).padStart(6, "0")}`, name: `${userId} Test`, createdAt: "2026-01-05T06:00:00.000Z" } } }));
    }
    await ok(app.call("POST", `${P}/connect`, { token: await app.token("jean"), body: {} }));
    await ok(app.call("POST", `${P}/sandbox/link`, { body: { userId: "jean", phone: "+33600000001" } }));
    expect(await ok(app.call("POST", `${P}/internal/jobs/enrollment/run`, service))).toMatchObject({ enrolled: REFERRALS });
    // Who pays, and on which day of the sequence (1 to 6, before the last message).
    const payDay = new Map<string, number>();
    for (const userId of users) {
      const p = holdoutGroup(userId, 30) === "holdout" ? 0.1 : 0.4;
      if (draw() < p) payDay.set(userId, 1 + Math.floor(draw() * 6));
    }
    // Each day at 09:00 Paris the dispatch runs; payments come in four hours later.
    const start = Date.parse("2026-01-05T08:00:00.000Z");
    for (let day = 1; day <= 8; day++) {
      await ok(app.call("POST", `${P}/sandbox/clock`, { body: { now: new Date(start + (day - 1) * DAY).toISOString() } }));
      await ok(app.call("POST", `${P}/internal/jobs/dispatch/run`, service));
      await ok(app.call("POST", `${P}/sandbox/clock`, { body: { advanceMs: 4 * 3_600_000 } }));
      for (const [userId, d] of payDay) if (d === day) await ok(app.call("POST", `${P}/internal/exit-user`, { ...service, body: { userId } }));
    }
    return payDay;
  }

  pagesSuite({ env: { RELANCE_MAX_MESSAGES_PER_DAY: "1000", RELANCE_DAILY_CAP_RAMP_UP: "off", RELANCE_MAX_FIRST_CONTACTS_PER_DAY: "1000" }, timeoutMs: 180_000 }, async (world) => {
    ({ app, admin, browser } = world);
    await sandboxWeek();
  });

  const values = async (page: Page) => JSON.parse((await page.locator("#lift-chart").getAttribute("data-values")) ?? "null");

  it("desktop: both groups' cumulative conversion by day, the lift and its interval; the share is set from the console", async () => {
    const stats = await ok(app.call("GET", `${P}/admin/stats`, { token: admin }));
    const { lift } = stats;
    expect(lift.treated.targets + lift.holdout.targets).toBe(REFERRALS);
    expect(lift.ci95).not.toBeNull();
    // No held-out referral received anything.
    const outbox = await ok(app.call("GET", `${P}/sandbox/outbox?referrerId=jean`, {}));
    const heldOutPhones = new Set(users.flatMap((u, i) => (holdoutGroup(u, 30) === "holdout" ? [`+33611${String(i).padStart(6, "0")}`] : [])));
    expect(outbox.items.filter((m: { to: string }) => heldOutPhones.has(m.to))).toEqual([]);

    const context = await browser.newContext(VIEWPORTS.desktop);
    const page = await context.newPage();
    await signInToConsole(page, app.url, admin);
    await expect.poll(() => values(page), { timeout: 10_000 }).not.toBeNull();
    const series = await values(page);
    const pct = (x: number) => Math.round(x * 10000) / 100;
    expect(series.treated).toEqual(lift.byDay.map((d: { treated: number }) => pct(d.treated)));
    expect(series.holdout).toEqual(lift.byDay.map((d: { holdout: number }) => pct(d.holdout)));
    expect(series.treated.at(-1)).toBe(pct(lift.treated.rate));
    expect(series.high.at(-1)).toBe(pct(lift.ci95[1]));
    // Cumulative: never going down.
    for (const key of ["treated", "holdout"]) expect([...series[key]].sort((a: number, b: number) => a - b)).toEqual(series[key]);
    const drawn = await page.evaluate(() => {
      const { Chart, document } = globalThis as any;
      return ["lift-chart", "lift-gain-chart"].map((id) => Chart.getChart(document.getElementById(id))?.data.datasets.map((d: { data: unknown[] }) => d.data));
    });
    expect(drawn).toEqual([
      [series.treated, series.holdout],
      [series.lift, series.high, series.low],
    ]);
    expect(await page.locator("#lift-summary").textContent()).toMatch(/Relancés : .* · Groupe témoin : .* · Gain : \+.* pts · IC 95 % \[/);
    expect(await page.locator("#lift-table tbody tr").count()).toBe(lift.byDay.length);
    expect(await page.locator("#holdout-percent").inputValue()).toBe("30");
    await page.locator("#lift").scrollIntoViewIfNeeded();
    await page.locator("#lift").screenshot({ path: join(ARTIFACTS, "admin-desktop-lift.png") });

    // Beyond 50: the browser refuses the form (and the server would too, see holdout-settings.test.ts).
    await page.locator("#holdout-percent").fill("60");
    expect(await page.locator("#holdout-percent").evaluate((input) => (input as unknown as { checkValidity(): boolean }).checkValidity())).toBe(false);
    await page.locator("#holdout-percent").fill("10");
    await page.locator("#settings-form button[type=submit]").click();
    await expect.poll(() => page.locator("#settings-state").textContent()).toBe("Enregistré.");
    expect(await ok(app.call("GET", `${P}/admin/settings`, { token: admin }))).toEqual({ holdoutPercent: 10 });
    await context.close();
  }, 60_000);

  it("phone: the lift section reads on a narrow screen", async () => {
    const context = await browser.newContext(VIEWPORTS.phone);
    const page = await context.newPage();
    await signInToConsole(page, app.url, admin);
    await expect.poll(() => values(page), { timeout: 10_000 }).not.toBeNull();
    await page.locator("#lift").scrollIntoViewIfNeeded();
    await page.locator("#lift").screenshot({ path: join(ARTIFACTS, "admin-phone-lift.png") });
    await context.close();
  }, 60_000);
});
