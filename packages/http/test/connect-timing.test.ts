import { Writable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { sign } from "hono/jwt";
import pino from "pino";
import type { E164, LinkMethod, LinkState, TransportEvent } from "@relance/core";
import { ManualClock, SandboxTransport, createMemoryStorage } from "@relance/adapters";
import { loadConfig, startService, type RunningService } from "../src/index.js";
import { JWT_SECRET, SERVICE_SECRET, SESSION_SECRET } from "./support/test-app.js";

// Issue 11, item 8: POST /connect answers quickly with a contract shape; /status carries the
// current reason; one failure is logged once.

/** A sandbox whose link attempts are scripted by the test, like a real library's would be slow or fail. */
class ScriptedLink extends SandboxTransport {
  private readonly hooks = new Set<(event: TransportEvent) => void>();
  nextConnect: (referrerUserId: string) => Promise<LinkState> = () => new Promise(() => {});

  override subscribe(listener: (event: TransportEvent) => void): () => void {
    this.hooks.add(listener);
    const off = super.subscribe(listener);
    return () => {
      this.hooks.delete(listener);
      off();
    };
  }

  override connect(referrerUserId: string, _options: { method: LinkMethod; phone?: E164 }): Promise<LinkState> {
    return this.nextConnect(referrerUserId);
  }

  /** What a library reports on its own (reconnect attempts, giving up). */
  report(referrerUserId: string, state: LinkState): void {
    for (const hook of this.hooks) hook({ type: "link", referrerUserId, state, at: new Date() });
  }
}

let service: RunningService | null = null;
afterEach(async () => {
  await service?.close();
  service = null;
});

async function start(transport: ScriptedLink, env: Record<string, string> = {}) {
  const lines: any[] = [];
  const logger = pino({ level: "info" }, new Writable({ write: (chunk, _enc, done) => (lines.push(JSON.parse(String(chunk))), done()) }));
  const config = loadConfig({
    NODE_ENV: "test",
    RELANCE_STORAGE: "memory",
    RELANCE_TRANSPORT: "sandbox",
    RELANCE_JOBS: "off",
    RELANCE_JWT_SECRET: JWT_SECRET,
    RELANCE_SERVICE_SECRET: SERVICE_SECRET,
    WHATSAPP_SESSION_SECRET: SESSION_SECRET,
    ...env,
  });
  // Reads that take a little while, as on disk or over the network: two updates of one
  // referrer's link at once then both read the old state unless they are serialised.
  const storage = createMemoryStorage();
  const getOrCreate = storage.configs.getOrCreate.bind(storage.configs);
  storage.configs.getOrCreate = async (initial) => {
    await new Promise((resolve) => setImmediate(resolve));
    return getOrCreate(initial);
  };
  const update = storage.configs.update.bind(storage.configs);
  storage.configs.update = async (referrerUserId, changes) => {
    await new Promise((resolve) => setImmediate(resolve));
    return update(referrerUserId, changes);
  };
  service = await startService(config, { listen: false, logger, overrides: { transport, storage, clock: new ManualClock() } });
  const app = service.app;
  await app.request("/api/relance/internal/subscriptions", {
    method: "POST",
    headers: { authorization: `Bearer ${SERVICE_SECRET}`, "x-service-name": "t", "content-type": "application/json" },
    body: JSON.stringify({ userId: "r1", active: true, phone: "+33600000001" }),
  });
  const token = await sign({ sub: "r1", exp: Math.floor(Date.now() / 1000) + 600 }, JWT_SECRET, "HS256");
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await app.request(`/api/relance${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as any };
  };
  return { call, lines };
}

describe("8. POST /connect", () => {
  it("waits 2 s by default", () => {
    expect(loadConfig({}).RELANCE_CONNECT_WAIT_MS).toBe(2000);
  });

  it("answers 202 with the Status while the transport is still linking, and the QR follows", async () => {
    const transport = new ScriptedLink({ clock: new ManualClock(), renderQr: false });
    let finish: (state: LinkState) => void = () => {};
    transport.nextConnect = () => new Promise((resolve) => (finish = resolve));
    const { call } = await start(transport, { RELANCE_CONNECT_WAIT_MS: "50" });

    const answer = await call("POST", "/connect", { method: "qr" });
    expect(answer.status).toBe(202);
    expect(answer.body).toMatchObject({ status: "connecting", phone: null, enabled: true, reason: null });

    const qr = { status: "pending_qr", phone: null, qr: { text: "qr-1" } } as const;
    transport.report("r1", qr);
    finish(qr);
    await service!.engine.idle();
    expect((await call("GET", "/status")).body.status).toBe("pending_qr");
  });

  it("answers 502 link_failed with the reason instead of a bare disconnected status", async () => {
    const transport = new ScriptedLink({ clock: new ManualClock(), renderQr: false });
    transport.nextConnect = async () => ({ status: "disconnected", phone: null, reason: "no network: getaddrinfo EAI_AGAIN web.whatsapp.com" });
    const { call } = await start(transport);
    const answer = await call("POST", "/connect", {});
    expect(answer.status).toBe(502);
    expect(answer.body).toEqual({
      error: { code: "link_failed", message: expect.stringContaining("EAI_AGAIN"), details: { status: "disconnected", reason: expect.stringContaining("EAI_AGAIN") } },
    });
    expect((await call("GET", "/status")).body).toMatchObject({ status: "disconnected", reason: expect.stringContaining("EAI_AGAIN") });
  });

  it("keeps the contract's shapes when the link is there at once", async () => {
    const transport = new ScriptedLink({ clock: new ManualClock(), renderQr: false });
    transport.nextConnect = async () => ({ status: "pending_pairing", phone: null, pairingCode: "ABCD-EFGH" });
    const { call } = await start(transport);
    expect(await call("POST", "/connect", { method: "pairing_code", phone: "+33600000001" })).toEqual({ status: 200, body: { status: "pending_pairing", pairingCode: "ABCD-EFGH" } });
  });
});

describe("8. GET /status carries the current reason", () => {
  it("replaces a reconnect countdown by the reason it gave up, and logs the failure once", async () => {
    const transport = new ScriptedLink({ clock: new ManualClock(), renderQr: false });
    const gaveUp: LinkState = { status: "failed", phone: null, reason: "could not connect after 8 attempts (last: connection lost)" };
    transport.nextConnect = async () => {
      transport.report("r1", { status: "connecting", phone: null, reason: "connection lost; reconnecting in 18.5 s (attempt 4/8)" });
      await service!.engine.idle();
      // Libraries often say it twice (the socket's close, then the give-up), while connect returns it.
      transport.report("r1", gaveUp);
      transport.report("r1", { ...gaveUp });
      return gaveUp;
    };
    const { call, lines } = await start(transport);

    expect((await call("POST", "/connect", {})).status).toBe(502);
    await service!.engine.idle();
    const status = (await call("GET", "/status")).body;
    expect(status).toMatchObject({ status: "failed", reason: gaveUp.reason });
    const failedLines = lines.filter((line) => line.msg === "whatsapp link changed" && line.linkStatus === "failed");
    expect(failedLines).toHaveLength(1);

    transport.report("r1", { status: "connecting", phone: null });
    await service!.engine.idle();
    expect((await call("GET", "/status")).body).toMatchObject({ status: "connecting", reason: null });
  });
});
