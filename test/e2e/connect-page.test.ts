import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import type { SandboxTransport } from "@relance/adapters";
import { ARTIFACTS, CHROMIUM, HAS_CHROMIUM, VIEWPORTS, pagesSuite, type PagesService } from "../support/browser.js";

const describeIfChromium = HAS_CHROMIUM ? describe : describe.skip;
if (!HAS_CHROMIUM) console.warn(`[connect page] SKIPPED: no Chromium at ${CHROMIUM} (set CHROMIUM_PATH)`);

describeIfChromium(`connect page in headless Chromium (${CHROMIUM})`, () => {
  let app: PagesService;
  let browser: Browser;
  const sandbox = () => app.service.transport as SandboxTransport;

  pagesSuite({ timeoutMs: 60_000 }, (world) => {
    ({ app, browser } = world);
  });

  // The number each referrer types: a pairing code is only given for the referrer's own number.
  const PHONES: Record<string, string> = { paula: "+33600000007", diane: "+33600000012", nina: "+447911123456", oscar: "+33600000009" };
  async function referrer(userId: string, subscribed = true) {
    const phone = PHONES[userId];
    if (subscribed) await app.call("POST", "/api/relance/internal/subscriptions", { service: true, body: { userId, active: true, name: userId, ...(phone ? { phone } : {}) } });
    return app.token(userId);
  }

  /** The single-use connect link the platform would send the referrer (`POST /connect-link`). */
  async function linkOf(token: string): Promise<string> {
    const minted = await app.call("POST", "/api/relance/connect-link", { token });
    return minted.status === 200 ? new URL(minted.body.url).searchParams.get("token")! : token;
  }

  async function open(viewport: keyof typeof VIEWPORTS, token: string, locale?: string): Promise<Page> {
    const context = await browser.newContext({ ...VIEWPORTS[viewport], ...(locale ? { locale } : {}) });
    const page = await context.newPage();
    await page.goto(`${app.url}/connect?token=${await linkOf(token)}`);
    return page;
  }
  const status = (page: Page) => page.locator("#status").getAttribute("data-status");
  const shot = (page: Page, name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

  it("phone: offers the pairing code first, then links with the simulated phone", async () => {
    const page = await open("phone", await referrer("paula"));
    await page.locator("#phone-input").waitFor({ state: "visible" });
    expect(await page.locator("#tab-pairing").getAttribute("aria-pressed")).toBe("true");
    expect(await page.locator("#qr").isHidden()).toBe(true);
    expect(page.url()).not.toContain("token=");
    expect(await page.locator("label[for=phone-input]").textContent()).toBe("Votre numéro WhatsApp");
    await shot(page, "connect-phone-1-number");

    // A number without country code is refused on the spot, in French, next to the field.
    await page.locator("#phone-input").fill("06 12 34 56 78");
    await page.keyboard.press("Enter");
    await expect.poll(() => page.locator("#phone-error").textContent()).toContain("indicatif");
    expect(await page.locator("#phone-input").getAttribute("aria-invalid")).toBe("true");

    await page.locator("#phone-input").fill("+33 6 00 00 00 07");
    await page.locator("#get-code").click();
    await page.locator("#pairing-code").waitFor({ state: "visible" });
    const code = await page.locator("#pairing-code").getAttribute("data-code");
    expect(code).toMatch(/^[A-Z0-9]{8}$/);
    expect(await page.locator("#pairing-code").textContent()).toBe(`${code!.slice(0, 4)}-${code!.slice(4)}`);
    expect(await status(page)).toBe("pending_pairing");
    expect(await page.locator("#pairing-result").textContent()).toContain("Connecter avec le numéro de téléphone à la place");
    expect(await page.locator("#sandbox-phone").inputValue()).toBe("+33600000007");
    await shot(page, "connect-phone-2-code");

    await page.locator("#sandbox-link").click();
    await expect.poll(() => status(page), { timeout: 10_000 }).toBe("connected");
    expect(await page.locator("#linked-phone").textContent()).toBe("Numéro relié : +33600000007");
    expect(await page.locator("#pairing-result").isHidden()).toBe(true);
    expect(await page.locator("#methods").isHidden()).toBe(true);
    await shot(page, "connect-phone-3-connected");
    await page.context().close();
  }, 60_000);

  it("desktop: shows the QR first, refreshes it live, switches to the code and back, then connects", async () => {
    const page = await open("desktop", await referrer("jean"));
    const qr = page.locator("#qr");
    await qr.waitFor({ state: "visible", timeout: 10_000 });
    expect(await page.locator("#tab-qr").getAttribute("aria-pressed")).toBe("true");
    expect(await qr.getAttribute("src")).toMatch(/^data:image\/png;base64,/);
    await expect.poll(() => status(page)).toBe("pending_qr");
    expect(page.url()).not.toContain("token=");
    await shot(page, "connect-desktop-1-qr");

    const firstQr = await qr.getAttribute("data-text");
    await sandbox().rotateQr("jean");
    await expect.poll(() => qr.getAttribute("data-text"), { timeout: 10_000 }).not.toBe(firstQr);

    // The switch, by keyboard: the QR goes, the number form comes.
    await page.locator("#tab-pairing").focus();
    await page.keyboard.press("Enter");
    await page.locator("#phone-input").waitFor({ state: "visible" });
    expect(await qr.isHidden()).toBe(true);
    await page.locator("#tab-qr").click();
    await qr.waitFor({ state: "visible" });
    await expect.poll(() => status(page)).toBe("pending_qr");

    await page.locator("#sandbox-link").click();
    await expect.poll(() => status(page), { timeout: 10_000 }).toBe("connected");
    expect(await page.locator("#status").textContent()).toBe("Connecté");
    expect(await qr.isHidden()).toBe(true);
    await shot(page, "connect-desktop-2-connected");
    await page.context().close();
  }, 60_000);

  it("phone: the QR is one tap away", async () => {
    const page = await open("phone", await referrer("pierre"));
    await page.locator("#phone-input").waitFor({ state: "visible" });
    await page.locator("#tab-qr").tap();
    await page.locator("#qr").waitFor({ state: "visible", timeout: 10_000 });
    expect(await page.locator("#tab-qr").getAttribute("aria-pressed")).toBe("true");
    expect(await page.locator("#panel-pairing").isHidden()).toBe(true);
    await expect.poll(() => status(page)).toBe("pending_qr");
    await shot(page, "connect-phone-5-qr");
    await page.locator("#sandbox-link").tap();
    await expect.poll(() => status(page), { timeout: 10_000 }).toBe("connected");
    await page.context().close();
  }, 60_000);

  it("desktop: the pairing code path, with a change of number", async () => {
    const page = await open("desktop", await referrer("diane"));
    await page.locator("#qr").waitFor({ state: "visible", timeout: 10_000 });
    await page.locator("#tab-pairing").click();
    await page.locator("#phone-input").fill("+33 6 00 00 00 12");
    await page.locator("#get-code").click();
    await page.locator("#pairing-code").waitFor({ state: "visible", timeout: 10_000 });
    expect(await page.locator("#qr").isHidden()).toBe(true);
    await page.locator("#change-number").click();
    await page.locator("#phone-input").waitFor({ state: "visible" });
    expect(await page.locator("#pairing-code").isHidden()).toBe(true);
    await page.locator("#phone-input").fill("+33600000012");
    await page.locator("#get-code").click();
    await page.locator("#pairing-code").waitFor({ state: "visible", timeout: 10_000 });
    await expect.poll(() => status(page)).toBe("pending_pairing");
    expect(await page.locator("#sandbox-phone").inputValue()).toBe("+33600000012");
    await shot(page, "connect-desktop-4-code");
    await page.locator("#sandbox-link").click();
    await expect.poll(() => status(page), { timeout: 10_000 }).toBe("connected");
    expect(await page.locator("#linked-phone").textContent()).toBe("Numéro relié : +33600000012");
    await page.context().close();
  }, 60_000);

  it("a link that fails shows why in plain French and a Réessayer button that starts again", async () => {
    const page = await open("desktop", await referrer("fabrice"));
    await page.locator("#qr").waitFor({ state: "visible", timeout: 10_000 });
    sandbox().drop("fabrice");
    await page.locator("#failure").waitFor({ state: "visible", timeout: 10_000 });
    expect(await status(page)).toBe("failed");
    // The transport's reason ("connection lost") when the Status carries it, else the status's own words.
    expect(["La connexion à WhatsApp a été perdue.", "La connexion à WhatsApp s'est interrompue."]).toContain(await page.locator("#failure-reason").textContent());
    expect(await page.locator("#qr").isHidden()).toBe(true);
    expect(await page.locator("#panel-qr").isHidden()).toBe(true);
    await expect.poll(() => page.evaluate(() => (globalThis as any).document.activeElement?.id)).toBe("retry");
    await shot(page, "connect-desktop-3-failed");

    await page.keyboard.press("Enter");
    await page.locator("#qr").waitFor({ state: "visible", timeout: 10_000 });
    expect(await page.locator("#failure").isHidden()).toBe(true);
    await expect.poll(() => status(page)).toBe("pending_qr");
    await app.call("POST", "/api/relance/sandbox/link", { body: { userId: "fabrice", phone: "+33600000003" } });
    await expect.poll(() => status(page), { timeout: 10_000 }).toBe("connected");
    await page.context().close();
  }, 60_000);

  it("phone: without a subscription the reason is said (in English by Accept-Language), and retry works once subscribed", async () => {
    const page = await open("phone", await referrer("nina", false), "en-GB");
    expect(await page.locator("html").getAttribute("lang")).toBe("en");
    await page.locator("#phone-input").fill("+447911123456");
    await page.locator("#get-code").click();
    await page.locator("#failure").waitFor({ state: "visible", timeout: 10_000 });
    expect(await page.locator("#failure-reason").textContent()).toBe("Your Relance option is not active. Activate it, then try again.");
    expect(await page.locator("#retry").textContent()).toBe("Try again");
    await shot(page, "connect-phone-4-failed-en");

    await referrer("nina");
    await page.locator("#retry").click();
    await page.locator("#phone-input").waitFor({ state: "visible" });
    expect(await page.locator("#phone-input").inputValue()).toBe("+447911123456");
    await page.locator("#get-code").click();
    await page.locator("#pairing-code").waitFor({ state: "visible", timeout: 10_000 });
    expect(await page.locator("#failure").isHidden()).toBe(true);
    await page.context().close();
  }, 60_000);

  it("phone: a connect answered \"still connecting\" (202) gets its code once the stream says it is ready", async () => {
    const token = await referrer("oscar");
    const context = await browser.newContext(VIEWPORTS.phone);
    const page = await context.newPage();
    let calls = 0;
    // The first call is answered as a slow transport does: 202 with the Status, still connecting.
    await page.route("**/api/relance/connect", async (route) => {
      if (++calls > 1) return route.continue();
      const status = (await app.call("GET", "/api/relance/status", { token })).body;
      await route.fulfill({ status: 202, contentType: "application/json", body: JSON.stringify({ ...status, status: "connecting" }) });
    });
    await page.goto(`${app.url}/connect?token=${await linkOf(token)}`);
    await page.locator("#phone-input").fill("+33600000009");
    await page.locator("#get-code").click();
    await expect.poll(() => page.locator("#status").textContent()).toBe("Connexion…");
    expect(await page.locator("#pairing-code").isHidden()).toBe(true);
    // The transport gets there: the stream says pending_pairing, and the page asks for the code.
    await app.call("POST", "/api/relance/connect", { token, body: { method: "pairing_code", phone: "+33600000009" } });
    await page.locator("#pairing-code").waitFor({ state: "visible", timeout: 10_000 });
    expect(await page.locator("#pairing-code").getAttribute("data-code")).toMatch(/^[A-Z0-9]{8}$/);
    expect(calls).toBe(2);
    await context.close();
  }, 60_000);

  it("desktop: a connect that fails (502 link_failed) says the transport's reason in plain words", async () => {
    const context = await browser.newContext(VIEWPORTS.desktop);
    const page = await context.newPage();
    let calls = 0;
    await page.route("**/api/relance/connect", async (route) => {
      if (++calls > 1) return route.continue();
      await route.fulfill({
        status: 502,
        contentType: "application/json",
        body: JSON.stringify({ error: { code: "link_failed", message: "WhatsApp link failed: QR expired", details: { status: "disconnected", reason: "QR expired" } } }),
      });
    });
    await page.goto(`${app.url}/connect?token=${await linkOf(await referrer("quentin"))}`);
    await page.locator("#failure").waitFor({ state: "visible", timeout: 10_000 });
    expect(await page.locator("#failure-reason").textContent()).toBe("Le QR code a expiré sans être scanné.");
    await page.locator("#retry").click();
    await page.locator("#qr").waitFor({ state: "visible", timeout: 10_000 });
    await context.close();
  }, 60_000);

  it("GET / links the connect page, the admin console and the API document", async () => {
    const context = await browser.newContext(VIEWPORTS.phone);
    const page = await context.newPage();
    await page.goto(`${app.url}/`);
    expect(await page.getByRole("link", { name: "Page de connexion WhatsApp" }).getAttribute("href")).toBe("/connect");
    expect(await page.getByRole("link", { name: "Console d'administration" }).getAttribute("href")).toBe("/admin");
    expect(await page.getByRole("link", { name: "Document de l'API (OpenAPI)" }).getAttribute("href")).toBe("/openapi.json");
    await shot(page, "home-phone");
    await context.close();
  }, 30_000);

  it("an expired link says so, in French, with no scan instructions", async () => {
    const page = await open("phone", "not-a-valid-token");
    await page.locator("#failure").waitFor({ state: "visible", timeout: 10_000 });
    expect(await page.locator("#failure-reason").textContent()).toBe("Ce lien a expiré ou n'est pas valide. Demandez un nouveau lien de connexion.");
    expect(await page.locator("#retry").isHidden()).toBe(true);
    expect(await page.locator("#panel-pairing").isHidden()).toBe(true);
    expect(await page.locator("#panel-qr").isHidden()).toBe(true);
    await page.context().close();
  }, 30_000);
});
