import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { chromium, type Browser, type BrowserContextOptions, type Page } from "playwright-core";
import { sign } from "hono/jwt";
import { afterAll, beforeAll, expect } from "vitest";
import { loadConfig, startService, type RunningService } from "@relance/http";

/** Debian's Chromium (or CHROMIUM_PATH) driven by playwright-core: no browser download. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const HAS_CHROMIUM = existsSync(CHROMIUM);
export const ARTIFACTS = join(import.meta.dirname, "..", "..", "test-artifacts");

const JWT_SECRET = "browser-jwt-secret-0123456789abc";
const SERVICE_SECRET = "browser-service-secret-012345678";

/** The two screens every page is tried on: a phone (touch, 390 px) and a desktop. */
export const VIEWPORTS: Record<"phone" | "desktop", BrowserContextOptions> = {
  phone: { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: "fr-FR" },
  desktop: { viewport: { width: 1280, height: 900 }, locale: "fr-FR" },
};

export async function launchChromium(): Promise<Browser> {
  await mkdir(ARTIFACTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}

/**
 * Opens the admin console signed in, as an admin does: the token pasted into its form, which
 * posts it (an admin token is never taken from a URL: security review 2, L12).
 */
export async function signInToConsole(page: Page, baseUrl: string, token: string): Promise<void> {
  await page.goto(`${baseUrl}/admin`);
  await page.locator("#token-input").fill(token);
  await page.locator("#token-input").press("Enter");
  await page.locator("#console").waitFor({ state: "visible", timeout: 10_000 });
}

export interface PagesService {
  service: RunningService;
  url: string;
  token(sub: string, role?: string): Promise<string>;
  /** A call on the real listener; `service: true` signs it as the platform. */
  call(method: string, path: string, options?: { body?: unknown; token?: string; service?: boolean }): Promise<{ status: number; body: any }>;
}

/** The real service in-process and listening (memory storage, sandbox transport, jobs off). */
export async function startPagesService(env: Record<string, string> = {}): Promise<PagesService> {
  const config = loadConfig({
    NODE_ENV: "test",
    PORT: "0",
    HOST: "127.0.0.1",
    RELANCE_STORAGE: "memory",
    RELANCE_TRANSPORT: "sandbox",
    RELANCE_JOBS: "off",
    RELANCE_MESSAGE_DELAY_MS: "0",
    // Human pacing (first contacts minutes apart, day starts spread over hours) is tested on its own.
    RELANCE_FIRST_CONTACT_GAP_MS: "0",
    RELANCE_DAY_START_SPREAD_MS: "0",
    // The sandbox's recipients acknowledge nothing unless told to: sender health would hold every loop.
    RELANCE_SENDER_HEALTH: "off",
    RELANCE_JWT_SECRET: JWT_SECRET,
    RELANCE_SERVICE_SECRET: SERVICE_SECRET,
    WHATSAPP_SESSION_SECRET: "browser-session-secret-012345678",
    LOG_LEVEL: "silent",
    ...env,
  });
  const service = await startService(config);
  const url = service.url!;
  return {
    service,
    url,
    token: (sub, role) => sign({ sub, ...(role ? { role } : {}), exp: Math.floor(Date.now() / 1000) + 3600 }, JWT_SECRET, "HS256"),
    async call(method, path, options = {}) {
      const headers: Record<string, string> = {};
      if (options.body !== undefined) headers["content-type"] = "application/json";
      if (options.token) headers.authorization = `Bearer ${options.token}`;
      if (options.service) {
        headers.authorization = `Bearer ${SERVICE_SECRET}`;
        headers["x-service-name"] = "browser-tests";
      }
      const response = await fetch(`${url}${path}`, { method, headers, ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}) });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : null };
    },
  };
}

/** What a page suite runs against: the service, an admin's token, and Chromium. */
export interface PagesWorld {
  app: PagesService;
  admin: string;
  browser: Browser;
}

/**
 * Starts the service (with `env`) and Chromium before the suite's tests, then runs `prepare` (the
 * suite keeps what it needs, sets up its data); closes both after the tests.
 */
export function pagesSuite(options: { env?: Record<string, string>; timeoutMs: number }, prepare: (world: PagesWorld) => Promise<void> | void): void {
  let world: Partial<PagesWorld> = {};
  beforeAll(async () => {
    world.app = await startPagesService(options.env);
    world.admin = await world.app.token("admin-1", "admin");
    world.browser = await launchChromium();
    await prepare(world as PagesWorld);
  }, options.timeoutMs);
  afterAll(async () => {
    await world.browser?.close();
    await world.app?.service.close();
    world = {};
  });
}

/** The body of a call that must succeed (2xx); otherwise the test fails, showing the body. */
export async function ok(call: Promise<{ status: number; body: any }>) {
  const response = await call;
  expect(response.status, JSON.stringify(response.body)).toBeLessThan(300);
  return response.body;
}
