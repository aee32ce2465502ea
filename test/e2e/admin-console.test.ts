import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { ARTIFACTS, CHROMIUM, HAS_CHROMIUM, VIEWPORTS, ok, pagesSuite, type PagesService, signInToConsole } from "../support/browser.js";

const describeIfChromium = HAS_CHROMIUM ? describe : describe.skip;
if (!HAS_CHROMIUM) console.warn(`[admin console] SKIPPED: no Chromium at ${CHROMIUM} (set CHROMIUM_PATH)`);

const P = "/api/relance";
const DAY = 24 * 3_600_000;

describeIfChromium(`admin console in headless Chromium (${CHROMIUM})`, () => {
  let app: PagesService;
  let browser: Browser;
  let admin: string;

  /** A sandbox week: 5 referrals; one not on WhatsApp, one STOP on day 2, payments after days 3 and 5, one completes. */
  async function sandboxWeek() {
    const service = { service: true } as const;
    await ok(app.call("POST", `${P}/sandbox/clock`, { body: { now: "2026-01-05T08:00:00.000Z" } }));
    for (let day = 1; day <= 7; day++) {
      // Day 1 has a second wording, to compare in the variants table.
      const variants = day === 1 ? { variants: [{ key: "court", messageTemplate: { fr: "J1 Salut {{firstName}}" } }] } : {};
      await ok(app.call("POST", `${P}/admin/messages`, { token: admin, body: { dayNumber: day, messageTemplate: { fr: `J${day} Bonjour {{firstName}}`, en: `D${day} Hi {{firstName}}` }, ...variants } }));
    }
    await ok(app.call("POST", `${P}/internal/subscriptions`, { ...service, body: { userId: "jean", active: true, name: "Jean Martin" } }));
    const referrals = ["alice", "bob", "chloe", "dan", "eve"];
    for (const [i, userId] of referrals.entries()) {
      await ok(app.call("POST", `${P}/internal/referrals`, { ...service, body: { referrerId: "jean", referral: { userId, phone: `+3361111111${i}`, name: `${userId} Test`, createdAt: "2026-01-05T06:00:00.000Z" } } }));
    }
    await ok(app.call("POST", `${P}/sandbox/numbers`, { body: { phone: "+33611111113", onWhatsApp: false } }));
    await ok(app.call("POST", `${P}/connect`, { token: await app.token("jean"), body: {} }));
    await ok(app.call("POST", `${P}/sandbox/link`, { body: { userId: "jean", phone: "+33600000001" } }));
    expect(await ok(app.call("POST", `${P}/internal/jobs/enrollment/run`, service))).toMatchObject({ enrolled: 5 });
    for (let day = 1; day <= 7; day++) {
      if (day > 1) await ok(app.call("POST", `${P}/sandbox/clock`, { body: { advanceMs: DAY } }));
      await ok(app.call("POST", `${P}/internal/jobs/dispatch/run`, service));
      if (day === 2) await ok(app.call("POST", `${P}/sandbox/inbound`, { body: { from: "+33611111112", to: "+33600000001", text: "STOP" } }));
      if (day === 3) await ok(app.call("POST", `${P}/internal/exit-user`, { ...service, body: { userId: "bob" } }));
      if (day === 5) await ok(app.call("POST", `${P}/internal/exit-user`, { ...service, body: { userId: "eve" } }));
    }
  }

  pagesSuite({ timeoutMs: 90_000 }, async (world) => {
    ({ app, admin, browser } = world);
    await sandboxWeek();
  });

  const values = async (page: Page, id: string) => JSON.parse((await page.locator(`#${id}`).getAttribute("data-values")) ?? "null");
  const shot = (page: Page, name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

  it("desktop: the funnel and conversions of the sandbox week, drawn by Chart.js", async () => {
    const context = await browser.newContext(VIEWPORTS.desktop);
    const page = await context.newPage();
    // An old-style link with the token in its address opens nothing: the token leaves the
    // address at once and the form says to paste it (security review 2, L12).
    await page.goto(`${app.url}/admin?token=${admin}`);
    await page.locator("#login").waitFor({ state: "visible" });
    expect(page.url()).not.toContain("token=");
    expect(await page.locator("#banner").textContent()).toContain("collez-le dans le formulaire");
    expect(await page.locator("#console").isHidden()).toBe(true);
    await signInToConsole(page, app.url, admin);
    expect(page.url()).toBe(`${app.url}/admin`);

    // enrolled, J1…J7 sent, converted, STOP, failed (not on WhatsApp).
    await expect.poll(() => values(page, "funnel-chart"), { timeout: 10_000 }).toEqual([5, 4, 4, 3, 2, 2, 1, 1, 2, 1, 1]);
    expect(JSON.parse((await page.locator("#funnel-chart").getAttribute("data-labels"))!)).toEqual(["Inscrits", "J1", "J2", "J3", "J4", "J5", "J6", "J7", "Convertis", "STOP", "Échecs"]);
    expect(await values(page, "conversions-chart")).toEqual([0, 0, 1, 0, 1, 0, 0]);
    // The library (served from /assets, not a CDN) really drew them.
    const drawn = await page.evaluate(() => {
      // Runs in the page (this file is type-checked without the DOM library).
      const { Chart, document } = globalThis as any;
      return ["funnel-chart", "conversions-chart"].map((id) => Chart.getChart(document.getElementById(id))?.data.datasets[0].data);
    });
    expect(drawn).toEqual([[5, 4, 4, 3, 2, 2, 1, 1, 2, 1, 1], [0, 0, 1, 0, 1, 0, 0]]);
    expect(await page.locator("#funnel-table tbody tr").count()).toBe(11);
    // Day 1's two wordings, each with what it sent and converted (the payments came after days 3 and 5).
    const variantRows = await page.locator("#variants-table tbody tr").evaluateAll((rows) => rows.map((row) => Array.from((row as any).cells as ArrayLike<{ textContent: string }>, (cell) => cell.textContent)));
    // Targets' ids are random here, so which wording each got is too: only the keys are known.
    expect(variantRows.length).toBeGreaterThan(0);
    for (const cells of variantRows) expect(["Jour 1 court", "Jour 1 default"]).toContain(`${cells[0]} ${cells[1]}`);
    expect(variantRows.reduce((sum, cells) => sum + Number(cells[2]), 0)).toBe(4);
    expect(variantRows.every((cells) => cells[3] === "0")).toBe(true);
    // Account health (issue 21): the linked account, its state in words, today's count against its cap.
    await expect.poll(() => page.locator("#senders-table tbody tr").count()).toBe(1);
    expect(await page.locator("#senders-table tbody tr th").textContent()).toContain("jean");
    expect(await page.locator("#senders-table tbody tr td:nth-child(2)").textContent()).toBe("bon");
    await page.locator("#funnel").scrollIntoViewIfNeeded();
    await page.locator("#funnel").screenshot({ path: join(ARTIFACTS, "admin-desktop-charts.png") });

    // Targets, searchable by referrer and status.
    await page.locator("#filter-referrer").fill("jean");
    await page.locator("#filter-status").selectOption("exited");
    await page.getByRole("button", { name: "Rechercher" }).click();
    await expect.poll(() => page.locator("#targets-table tbody tr").count()).toBe(4);
    const exits = await page.locator("#targets-table tbody tr td:nth-child(6)").allTextContents();
    expect(exits.sort()).toEqual(["STOP", "a payé", "a payé", "pas sur WhatsApp"]);
    await page.locator("#filter-status").selectOption("completed");
    await page.getByRole("button", { name: "Rechercher" }).click();
    await expect.poll(() => page.locator("#targets-table tbody tr td:first-child").allTextContents()).toEqual(["alice"]);
    await shot(page, "admin-desktop-console");
    await context.close();
  }, 60_000);

  it("desktop: editing a day with a variable and a media, and seeing the server's preview", async () => {
    const context = await browser.newContext(VIEWPORTS.desktop);
    const page = await context.newPage();
    await signInToConsole(page, app.url, admin);

    await page.getByRole("button", { name: "Jour 2 (actif)" }).click();
    await expect.poll(() => page.locator("#preview").textContent()).toBe("J2 Bonjour Marie");
    await page.locator("#text-fr").fill("Coucou ");
    await page.locator('[data-var="firstName"]').click();
    await page.keyboard.type(", votre lien : ");
    await page.locator('[data-var="paymentLink"]').click();
    expect(await page.locator("#text-fr").inputValue()).toBe("Coucou {{firstName}}, votre lien : {{paymentLink}}");
    expect(await page.locator("#save-state").textContent()).toContain("non enregistrées");
    // Live: the server renders the draft before anything is saved.
    await expect.poll(() => page.locator("#preview").textContent()).toBe("Coucou Marie, votre lien : https://pay.example.com/checkout");
    const storedBefore = (await ok(app.call("GET", `${P}/admin/messages`, { token: admin }))).items.find((m: any) => m.dayNumber === 2);
    expect(storedBefore.messageTemplate.fr).toBe("J2 Bonjour {{firstName}}");
    await page.locator("#media-add").click();
    await page.locator("#media-list input[type=url]").fill("https://cdn.example.com/j2.jpg");
    await page.locator("#media-list [data-field=caption]").fill("Offre");
    await page.locator("#save").click();
    await expect.poll(() => page.locator("#save-state").textContent()).toBe("Enregistré.");
    await expect.poll(() => page.locator("#preview").textContent()).toBe("Coucou Marie, votre lien : https://pay.example.com/checkout");
    // The text was already this before the save: only the media line changes, so wait for it too.
    await expect.poll(() => page.locator("#preview-media").textContent()).toContain("https://cdn.example.com/j2.jpg — Offre");

    await page.locator("#preview-name").fill("Zoé Roux");
    await expect.poll(() => page.locator("#preview").textContent()).toBe("Coucou Zoé, votre lien : https://pay.example.com/checkout");
    await page.locator("#preview-lang").selectOption("en");
    await expect.poll(() => page.locator("#preview").textContent()).toBe("D2 Hi Zoé");
    await page.locator("#editor").screenshot({ path: join(ARTIFACTS, "admin-desktop-editor.png") });
    await page.locator("#messages").screenshot({ path: join(ARTIFACTS, "admin-desktop-messages.png") });

    // Stored as edited, through the API.
    const stored = (await ok(app.call("GET", `${P}/admin/messages`, { token: admin }))).items.find((m: any) => m.dayNumber === 2);
    expect(stored).toMatchObject({
      messageTemplate: { fr: "Coucou {{firstName}}, votre lien : {{paymentLink}}", en: "D2 Hi {{firstName}}" },
      mediaUrls: [{ url: "https://cdn.example.com/j2.jpg", type: "image", language: "both", caption: "Offre" }],
      active: true,
    });

    // Day 1's other wording, set through the API, survives an edit of its default text in the console.
    await page.getByRole("button", { name: "Jour 1 (actif)" }).click();
    await page.locator("#text-fr").fill("J1 Bonjour {{firstName}} !");
    await page.locator("#save").click();
    await expect.poll(() => page.locator("#save-state").textContent()).toBe("Enregistré.");
    const dayOne = (await ok(app.call("GET", `${P}/admin/messages`, { token: admin }))).items.find((m: any) => m.dayNumber === 1);
    expect(dayOne).toMatchObject({ messageTemplate: { fr: "J1 Bonjour {{firstName}} !" }, variants: [{ key: "court", messageTemplate: { fr: "J1 Salut {{firstName}}" } }] });

    // Deactivate day 7.
    await page.getByRole("button", { name: "Jour 7 (actif)" }).click();
    await page.locator("#active").uncheck();
    await page.locator("#save").click();
    await page.getByRole("button", { name: "Jour 7 (inactif)" }).waitFor();
    expect((await ok(app.call("GET", `${P}/admin/messages`, { token: admin }))).items.find((m: any) => m.dayNumber === 7).active).toBe(false);

    // An unknown variable is refused by the server, and said so.
    await page.getByRole("button", { name: "Jour 3 (actif)" }).click();
    await page.locator("#text-fr").fill("Bonjour {{prenom}}");
    await page.locator("#save").click();
    await expect.poll(() => page.locator("#save-state").textContent()).toContain("Refusé par le serveur");

    // Leaving a day with unsaved changes asks first.
    page.once("dialog", (dialog) => dialog.dismiss());
    await page.getByRole("button", { name: "Jour 4 (actif)" }).click();
    expect(await page.locator("#editor-title").textContent()).toBe("Jour 3");
    page.once("dialog", (dialog) => dialog.accept());
    await page.getByRole("button", { name: "Jour 4 (actif)" }).click();
    await expect.poll(() => page.locator("#editor-title").textContent()).toBe("Jour 4");
    expect((await ok(app.call("GET", `${P}/admin/messages`, { token: admin }))).items.find((m: any) => m.dayNumber === 3).messageTemplate.fr).toBe("J3 Bonjour {{firstName}}");
    await context.close();
  }, 60_000);

  it("phone: the token pasted into the form opens the console, charts included", async () => {
    const context = await browser.newContext(VIEWPORTS.phone);
    const page = await context.newPage();
    await page.goto(`${app.url}/admin`);
    await page.locator("#login").waitFor({ state: "visible" });
    await page.getByLabel("Jeton administrateur").fill("wrong-token");
    await page.getByRole("button", { name: "Ouvrir la console" }).click();
    await expect.poll(() => page.locator("#banner").textContent()).toBe("Jeton invalide ou expiré : collez un nouveau jeton.");
    await shot(page, "admin-phone-login");

    await page.getByLabel("Jeton administrateur").fill(admin);
    await page.keyboard.press("Enter");
    await page.locator("#console").waitFor({ state: "visible", timeout: 10_000 });
    expect(await page.locator("#banner").isHidden()).toBe(true);
    await expect.poll(() => values(page, "funnel-chart"), { timeout: 10_000 }).toEqual([5, 4, 4, 3, 2, 2, 1, 1, 2, 1, 1]);
    await shot(page, "admin-phone-console");
    await page.locator("#funnel").screenshot({ path: join(ARTIFACTS, "admin-phone-charts.png") });
    await context.close();
  }, 60_000);

  // Last: it enrolls one more referral. The page's clock is Playwright's, moved by hand (no wait).
  it("desktop: the numbers follow the loop on their own (every minute while shown), leaving the holdout field being edited alone", async () => {
    const context = await browser.newContext(VIEWPORTS.desktop);
    const page = await context.newPage();
    await page.clock.install();
    await signInToConsole(page, app.url, admin);
    await expect.poll(() => values(page, "funnel-chart"), { timeout: 10_000 }).toEqual([5, 4, 4, 3, 2, 2, 1, 1, 2, 1, 1]);
    await expect.poll(() => page.locator("#holdout-percent").inputValue()).toBe("0");
    await page.locator("#holdout-percent").fill("42");

    await ok(app.call("POST", `${P}/internal/referrals`, { service: true, body: { referrerId: "jean", referral: { userId: "fanny", phone: "+33611111119", name: "fanny Test", createdAt: "2026-01-11T06:00:00.000Z" } } }));
    expect(await ok(app.call("POST", `${P}/internal/jobs/enrollment/run`, { service: true }))).toMatchObject({ enrolled: 1 });
    await page.clock.runFor(30_000);
    expect((await values(page, "funnel-chart"))[0]).toBe(5);
    await page.clock.runFor(30_000);
    await expect.poll(async () => (await values(page, "funnel-chart"))[0], { timeout: 10_000 }).toBe(6);
    await expect.poll(() => page.locator("#summary").textContent(), { timeout: 10_000 }).toContain("Inscrits : 6");
    expect(await page.locator("#holdout-percent").inputValue()).toBe("42");
    await context.close();
  }, 60_000);
});
