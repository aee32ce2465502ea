import { afterEach, beforeEach } from "vitest";
import { sign } from "hono/jwt";
import { loadConfig, startService, type RunningService } from "../../src/index.js";

export const JWT_SECRET = "test-jwt-secret-0123456789abcdef";
export const SERVICE_SECRET = "test-service-secret-0123456789ab";
export const SESSION_SECRET = "test-session-secret-0123456789ab";

export interface CallOptions {
  body?: unknown;
  /** A raw body string (for malformed JSON). */
  raw?: string;
  token?: string;
  service?: boolean | { secret?: string; name?: string | null };
  headers?: Record<string, string>;
}

export interface TestApp {
  service: RunningService;
  call(method: string, path: string, options?: CallOptions): Promise<{ status: number; body: any; headers: Headers }>;
  referrerToken(userId: string, extra?: Record<string, unknown>): Promise<string>;
  adminToken(): Promise<string>;
  close(): Promise<void>;
}

/** The real service in-process (memory storage, sandbox transport, no jobs), called through `app.request`. */
export async function startTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const config = loadConfig({
    NODE_ENV: "test",
    RELANCE_STORAGE: "memory",
    RELANCE_TRANSPORT: "sandbox",
    RELANCE_JOBS: "off",
    RELANCE_JWT_SECRET: JWT_SECRET,
    RELANCE_SERVICE_SECRET: SERVICE_SECRET,
    WHATSAPP_SESSION_SECRET: SESSION_SECRET,
    LOG_LEVEL: "silent",
    // Human pacing (first contacts minutes apart, day starts spread over hours) is tested on its own.
    RELANCE_FIRST_CONTACT_GAP_MS: "0",
    RELANCE_DAY_START_SPREAD_MS: "0",
    // Off here so that the older tests' exact statuses stay as written; account-safety.test.ts
    // runs the sandbox with it on (its recipients are healthy by default), as deployed.
    RELANCE_SENDER_HEALTH: "off",
    ...env,
  });
  const service = await startService(config, { listen: false });
  const token = (payload: Record<string, unknown>) =>
    sign({ exp: Math.floor(Date.now() / 1000) + 3600, ...payload }, JWT_SECRET, "HS256");
  return {
    service,
    async call(method, path, options = {}) {
      const headers: Record<string, string> = { ...options.headers };
      if (options.body !== undefined || options.raw !== undefined) headers["content-type"] ??= "application/json";
      if (options.token) headers.authorization = `Bearer ${options.token}`;
      if (options.service) {
        const s = options.service === true ? {} : options.service;
        headers.authorization = `Bearer ${s.secret ?? SERVICE_SECRET}`;
        if (s.name !== null) headers["x-service-name"] = s.name ?? "platform";
      }
      const response = await service.app.request(path, {
        method,
        headers,
        ...(options.raw !== undefined ? { body: options.raw } : options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
      });
      const text = await response.text();
      let body: unknown = text;
      try {
        body = text ? JSON.parse(text) : null;
      } catch {
        // not JSON (metrics, html)
      }
      return { status: response.status, body, headers: response.headers };
    },
    referrerToken: (userId, extra = {}) => token({ sub: userId, ...extra }),
    adminToken: () => token({ sub: "admin-1", role: "admin" }),
    close: () => service.close(),
  };
}

/**
 * A fresh in-process service for each test of the file (started before each, closed after),
 * behind one handle the tests use as they would a `TestApp`.
 */
export function useTestApp(env: Record<string, string> = {}): TestApp {
  let current: TestApp | null = null;
  beforeEach(async () => {
    current = await startTestApp(env);
  });
  afterEach(async () => {
    await current?.close();
    current = null;
  });
  return new Proxy({} as TestApp, {
    get(_target, key) {
      if (!current) throw new Error("the test app exists only inside a test");
      const value = Reflect.get(current, key) as unknown;
      return typeof value === "function" ? value.bind(current) : value;
    },
  });
}
