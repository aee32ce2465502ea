import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { freePort } from "./free-port.js";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sign } from "hono/jwt";
import { afterAll, beforeAll, expect } from "vitest";

export const SECRETS = {
  RELANCE_JWT_SECRET: "e2e-jwt-secret-0123456789abcdef",
  RELANCE_SERVICE_SECRET: "e2e-service-secret-0123456789abc",
  WHATSAPP_SESSION_SECRET: "e2e-session-secret-0123456789abc",
};

const ROOT = join(import.meta.dirname, "..", "..");


export interface ServerProcess {
  url: string;
  dataDir: string;
  child: ChildProcess;
  output(): string;
  call(method: string, path: string, options?: { body?: unknown; token?: string; service?: boolean }): Promise<{ status: number; body: any }>;
  token(sub: string, role?: string): Promise<string>;
  stop(): Promise<number | null>;
}

/** Starts `packages/http/src/main.ts` as a real child process, like `npm start`, and waits for /health. */
/**
 * Human pacing and sender health are off by default here (older tests count exact minutes);
 * `realDefaults` runs the server with the deployed defaults, nothing turned off.
 */
const PACING_AND_HEALTH_OFF = { RELANCE_FIRST_CONTACT_GAP_MS: "0", RELANCE_DAY_START_SPREAD_MS: "0", RELANCE_SENDER_HEALTH: "off" };

export async function startServerProcess(env: Record<string, string> = {}, options: { realDefaults?: boolean } = {}): Promise<ServerProcess> {
  const port = await freePort();
  const dataDir = await mkdtemp(join(tmpdir(), "relance-e2e-"));
  const child = spawn(process.execPath, ["--import", "tsx", join(ROOT, "packages/http/src/main.ts")], {
    cwd: ROOT,
    env: { ...process.env, ...SECRETS, NODE_ENV: "test", PORT: String(port), HOST: "127.0.0.1", RELANCE_DATA_DIR: dataDir, LOG_LEVEL: "warn", ...(options.realDefaults ? {} : PACING_AND_HEALTH_OFF), ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${output}`);
    try {
      if ((await fetch(`${url}/health`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`server did not answer /health in 30 s:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    dataDir,
    child,
    output: () => output,
    async call(method, path, options = {}) {
      const headers: Record<string, string> = {};
      if (options.body !== undefined) headers["content-type"] = "application/json";
      if (options.token) headers.authorization = `Bearer ${options.token}`;
      if (options.service) {
        headers.authorization = `Bearer ${SECRETS.RELANCE_SERVICE_SECRET}`;
        headers["x-service-name"] = "e2e-platform";
      }
      const response = await fetch(`${url}${path}`, { method, headers, ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}) });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : null };
    },
    token: (sub, role) => sign({ sub, ...(role ? { role } : {}), exp: Math.floor(Date.now() / 1000) + 3600 }, SECRETS.RELANCE_JWT_SECRET, "HS256"),
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
      const code = await exited;
      clearTimeout(timer);
      await rm(dataDir, { recursive: true, force: true });
      return code;
    },
  };
}

/**
 * The real server process of a whole test file, as `npm start` runs it, on the embedded file
 * store (SQLite) and the sandbox, jobs off (`env` adds to or overrides that): started before the
 * file's tests, stopped after them, and it must exit with 0. The object is filled in `beforeAll`.
 */
export function sandboxServerForFile(env: Record<string, string> = {}, options: { realDefaults?: boolean } = {}): ServerProcess {
  const server = {} as ServerProcess;
  beforeAll(async () => {
    Object.assign(server, await startServerProcess({ RELANCE_TRANSPORT: "sandbox", RELANCE_STORAGE: "sqlite", RELANCE_JOBS: "off", ...env }, options));
  }, 60_000);
  afterAll(async () => {
    if (server.stop) expect(await server.stop()).toBe(0);
  });
  return server;
}

/** The body of a call that must answer `status`; otherwise the test fails, showing the body. */
export async function ok(promise: Promise<{ status: number; body: any }>, status = 200) {
  const response = await promise;
  expect(response.status, JSON.stringify(response.body)).toBe(status);
  return response.body;
}
