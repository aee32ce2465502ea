import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromium, type Browser } from "playwright-core";
import { sign } from "hono/jwt";
import type { SandboxTransport } from "@relance/adapters";
import { loadConfig, startService, type RunningService } from "@relance/http";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const ARTIFACTS = join(import.meta.dirname, "..", "..", "test-artifacts");
const JWT_SECRET = "browser-jwt-secret-0123456789abc";
const SERVICE_SECRET = "browser-service-secret-012345678";

const describeIfChromium = existsSync(CHROMIUM) ? describe : describe.skip;

describeIfChromium(`connect page in headless Chromium (${CHROMIUM})`, () => {
  let service: RunningService;
  let browser: Browser;

  beforeAll(async () => {
    const config = loadConfig({
      NODE_ENV: "test",
      PORT: "0",
      HOST: "127.0.0.1",
      RELANCE_STORAGE: "memory",
      RELANCE_TRANSPORT: "sandbox",
      RELANCE_JOBS: "off",
      RELANCE_JWT_SECRET: JWT_SECRET,
      RELANCE_SERVICE_SECRET: SERVICE_SECRET,
      WHATSAPP_SESSION_SECRET: "browser-session-secret-012345678",
      LOG_LEVEL: "silent",
    });
    service = await startService(config);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
    await mkdir(ARTIFACTS, { recursive: true });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await service?.close();
  });

  it("shows the QR, refreshes it live, then shows connected", async () => {
    await fetch(`${service.url}/api/relance/internal/subscriptions`, {
      method: "POST",
      headers: { authorization: `Bearer ${SERVICE_SECRET}`, "x-service-name": "test", "content-type": "application/json" },
      body: JSON.stringify({ userId: "jean", active: true, name: "Jean" }),
    });
    const token = await sign({ sub: "jean", exp: Math.floor(Date.now() / 1000) + 600 }, JWT_SECRET, "HS256");
    const page = await browser.newPage({ viewport: { width: 520, height: 760 } });
    await page.goto(`${service.url}/connect?token=${token}`);

    const qr = page.locator("#qr");
    await qr.waitFor({ state: "visible", timeout: 10_000 });
    expect(await qr.getAttribute("src")).toMatch(/^data:image\/png;base64,/);
    await expect.poll(() => page.locator("#status").getAttribute("data-status")).toBe("pending_qr");
    // The token does not stay in the address bar.
    expect(page.url()).not.toContain(token);
    await page.screenshot({ path: join(ARTIFACTS, "connect-page-qr.png") });

    const firstQr = await qr.getAttribute("data-text");
    await (service.transport as SandboxTransport).rotateQr("jean");
    await expect.poll(() => qr.getAttribute("data-text"), { timeout: 10_000 }).not.toBe(firstQr);

    await fetch(`${service.url}/api/relance/sandbox/link`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ userId: "jean", phone: "+33600000001" }),
    });
    await expect.poll(() => page.locator("#status").getAttribute("data-status"), { timeout: 10_000 }).toBe("connected");
    expect(await page.locator("#status").textContent()).toBe("Connecté");
    expect(await qr.isHidden()).toBe(true);
    await page.screenshot({ path: join(ARTIFACTS, "connect-page-connected.png") });
    await page.close();
  }, 60_000);
});
