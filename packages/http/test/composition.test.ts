import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ManualClock, SandboxTransport, StoredDirectory, HttpDirectory, createMemoryStorage } from "@relance/adapters";
import type { Container } from "inversify";
import { buildContainer, createLogger, loadConfig, resolved, TOKENS } from "../src/index.js";
import type { ComposedService } from "../src/composition/relance-service.js";
import { JWT_SECRET, SERVICE_SECRET, SESSION_SECRET } from "./support/test-app.js";

// Issue 23.4: the container resolves the service graph itself, for every transport and storage
// the configuration can choose; the service is assembled in one place (TOKENS.Service).

const dirs: string[] = [];
const open: ComposedService[] = [];
afterEach(async () => {
  for (const service of open.splice(0)) await service.stop();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function configOf(env: Record<string, string>) {
  const dataDir = mkdtempSync(join(tmpdir(), "relance-composition-"));
  dirs.push(dataDir);
  return loadConfig({
    NODE_ENV: "test",
    RELANCE_JOBS: "off",
    RELANCE_JWT_SECRET: JWT_SECRET,
    RELANCE_SERVICE_SECRET: SERVICE_SECRET,
    WHATSAPP_SESSION_SECRET: SESSION_SECRET,
    RELANCE_DATA_DIR: dataDir,
    LOG_LEVEL: "silent",
    ...env,
  });
}

async function serviceOf(container: Container): Promise<ComposedService> {
  const service = await resolved(container, TOKENS.Service);
  open.push(service);
  return service;
}

/** Every part the service is built from is the container's own singleton. */
async function expectOneGraph(container: Container, service: ComposedService): Promise<void> {
  expect(await resolved(container, TOKENS.Engine)).toBe(service.engine);
  expect(await resolved(container, TOKENS.Storage)).toBe(service.storage);
  expect(await resolved(container, TOKENS.Transport)).toBe(service.transport);
  expect(await resolved(container, TOKENS.Metrics)).toBe(service.metrics);
  expect(await resolved(container, TOKENS.SandboxWorld)).toBe(service.sandbox);
}

describe("the composition root", () => {
  it("sandbox + memory: the sandbox world on the container's manual clock, the stored directory fed by /internal", async () => {
    const container = buildContainer(configOf({ RELANCE_STORAGE: "memory", RELANCE_TRANSPORT: "sandbox" }), createLogger("silent"));
    const service = await serviceOf(container);
    await expectOneGraph(container, service);
    expect(service.storage.name).toBe("memory");
    expect(service.transport).toBeInstanceOf(SandboxTransport);
    expect(service.sandbox?.transport).toBe(service.transport);
    expect(service.sandbox?.clock).toBe(await resolved(container, TOKENS.Clock));
    expect(service.sandbox?.clock).toBeInstanceOf(ManualClock);
    const feed = await resolved(container, TOKENS.DirectoryFeed);
    expect(feed).toBeInstanceOf(StoredDirectory);
    expect(await resolved(container, TOKENS.Directory)).toBe(feed);
    // The engine was built from the configuration's options.
    expect(service.engine.options.instanceId).toBe(await resolved(container, TOKENS.InstanceId));
    // The app answers over this graph.
    expect((await service.app.request("/health")).status).toBe(200);
  });

  it("sqlite: the store is initialised before the graph receives it", async () => {
    const container = buildContainer(configOf({ RELANCE_STORAGE: "sqlite", RELANCE_TRANSPORT: "sandbox" }), createLogger("silent"));
    const service = await serviceOf(container);
    await expectOneGraph(container, service);
    expect(service.storage.name).toBe("sqlite");
    await service.storage.ping();
    // A table the schema creates: without init() this read would fail.
    expect(await service.storage.messages.list()).toEqual([]);
  });

  it("baileys: the transport is loaded inside the container, and caps the engine's concurrent senders", async () => {
    const container = buildContainer(configOf({ RELANCE_STORAGE: "memory", RELANCE_TRANSPORT: "baileys", RELANCE_MAX_CONCURRENT_SESSIONS: "7" }), createLogger("silent"));
    const service = await serviceOf(container);
    await expectOneGraph(container, service);
    expect(service.transport.name).toBe("baileys");
    expect(service.sandbox).toBeNull();
    expect(service.engine.options.maxConcurrentSenders).toBe(Math.min(7, service.transport.capabilities.maxSessions ?? Infinity));
  });

  it("wwebjs: its own session cap bounds the engine's senders", async () => {
    const container = buildContainer(configOf({ RELANCE_STORAGE: "memory", RELANCE_TRANSPORT: "wwebjs", RELANCE_WWEBJS_MAX_SESSIONS: "2" }), createLogger("silent"));
    const service = await serviceOf(container);
    await expectOneGraph(container, service);
    expect(service.transport.name).toBe("wwebjs");
    expect(service.engine.options.maxConcurrentSenders).toBe(2);
  });

  it("the pull directory when configured (RELANCE_DIRECTORY=http): no feed for /internal", async () => {
    const container = buildContainer(
      configOf({ RELANCE_STORAGE: "memory", RELANCE_TRANSPORT: "sandbox", RELANCE_DIRECTORY: "http", USER_SERVICE_URL: "http://users.internal" }),
      createLogger("silent"),
    );
    await serviceOf(container);
    expect(await resolved(container, TOKENS.DirectoryFeed)).toBeNull();
    expect(await resolved(container, TOKENS.Directory)).toBeInstanceOf(HttpDirectory);
  });

  it("overrides replace an adapter and the rest of the graph is built on it", async () => {
    const storage = createMemoryStorage();
    const clock = new ManualClock(new Date("2026-03-01T09:00:00Z"));
    const transport = new SandboxTransport({ clock, renderQr: false });
    const container = buildContainer(configOf({ RELANCE_STORAGE: "sqlite", RELANCE_TRANSPORT: "sandbox" }), createLogger("silent"), { storage, clock, transport });
    const service = await serviceOf(container);
    expect(service.storage).toBe(storage);
    expect(service.transport).toBe(transport);
    expect(service.sandbox?.clock).toBe(clock);
    expect(await resolved(container, TOKENS.Clock)).toBe(clock);
  });
});
