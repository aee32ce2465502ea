import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { createServer, type AddressInfo, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { LinkState } from "@relance/core";
import { SystemClock, createMemoryStorage, createSessionCipher } from "../../src/index.js";
import { createRealWwebjsClient, type CreateWwebjsClient, type WwebjsClient } from "../../src/transports/wwebjs/client-factory.js";
import { createWwebjsTransport } from "../../src/transports/wwebjs/transport.js";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const HAS_CHROMIUM = existsSync(CHROMIUM);
const INIT_TIMEOUT_MS = 25_000;
// Room for the 30 s settle below: a loaded CI box reaps Chromium's children slowly.
const TEST_TIMEOUT_MS = INIT_TIMEOUT_MS + 60_000;
const UNRESOLVABLE = "--host-resolver-rules=MAP * ~NOTFOUND";

/** Processes whose command line mentions `marker` (Chromium's and its children's carry the profile path). */
async function processesMentioning(marker: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, "utf8").catch(() => "");
    if (cmdline.includes(marker)) pids.push(Number(entry));
  }
  return pids;
}

/** Live (non-zombie) members of a process group: Chromium's zygote, renderers, GPU and network processes. */
async function liveGroupMembers(pgid: number): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, "utf8").catch(() => "");
    // `pid (comm) state ppid pgrp ...`; comm may hold spaces and parentheses.
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (Number(pgrp) === pgid && state !== "Z" && state !== "X") pids.push(Number(entry));
  }
  return pids;
}

/** Waits for the processes to go; generous because exit is slow under load, and only "none left" is asserted. */
async function settleToNone(marker: string, withinMs = 30_000): Promise<number[]> {
  const deadline = Date.now() + withinMs;
  let left = await processesMentioning(marker);
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    left = await processesMentioning(marker);
  }
  return left;
}

/** Runs a real client against an unreachable WhatsApp; counts its Chromium processes while it lives. */
async function connectOffline(
  options: { wrap?: (client: WwebjsClient) => void; destroyTimeoutMs?: number; initTimeoutMs?: number; chromiumArgs?: string[] } = {},
) {
  const storage = createMemoryStorage();
  await storage.init();
  // The unique directory is the marker: Chromium's --user-data-dir lives inside it.
  const dataPath = await mkdtemp(join(tmpdir(), `relance-wwebjs-chromium-${randomUUID()}-`));
  const clients: WwebjsClient[] = [];
  const createClient: CreateWwebjsClient = (clientOptions) => {
    const client = createRealWwebjsClient(clientOptions);
    options.wrap?.(client);
    clients.push(client);
    return client;
  };
  const transport = createWwebjsTransport({
    sessions: storage.sessions,
    leases: storage.leases,
    cipher: createSessionCipher({ secrets: ["a-test-secret-of-32-characters!!"] }),
    clock: new SystemClock(),
    instanceId: "chromium-test",
    maxSessions: 1,
    idleTimeoutMs: 60_000,
    chromiumPath: CHROMIUM,
    dataPath,
    createClient,
    initTimeoutMs: options.initTimeoutMs ?? INIT_TIMEOUT_MS,
    // No route to WhatsApp even where the machine has one (CI): every name resolves to nothing.
    chromiumArgs: options.chromiumArgs ?? [UNRESOLVABLE],
    ...(options.destroyTimeoutMs ? { destroyTimeoutMs: options.destroyTimeoutMs } : {}),
  });
  const before = await processesMentioning(dataPath);

  let seenAlive = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      seenAlive = Math.max(seenAlive, (await processesMentioning(dataPath)).length);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();

  const started = Date.now();
  let state: LinkState;
  try {
    state = await transport.connect("referrer-chromium", { method: "qr" });
  } finally {
    sampling = false;
    await sampler;
  }
  const elapsedMs = Date.now() - started;
  const browserPid = clients[0]?.pupBrowser?.process()?.pid;
  const after = await settleToNone(dataPath);
  const groupLeft = browserPid === undefined ? [] : await liveGroupMembers(browserPid);
  await transport.close();
  const leftInDataPath = await readdir(dataPath);
  await rm(dataPath, { recursive: true, force: true });
  return { state, elapsedMs, before, seenAlive, after, groupLeft, browserPid, leftInDataPath };
}

describe("wwebjs transport with Debian's Chromium and no route to WhatsApp", () => {
  if (!HAS_CHROMIUM) {
    it.skip(`skipped: no Chromium at ${CHROMIUM} (install the chromium package or set CHROMIUM_PATH)`, () => undefined);
    return;
  }

  it(
    "reports failed with a clear reason in bounded time and leaves no Chromium process",
    async () => {
      const run = await connectOffline();
      console.info(`[wwebjs-chromium] ${run.elapsedMs} ms → ${JSON.stringify(run.state)}`);
      expect(run.before).toEqual([]);
      expect(run.seenAlive).toBeGreaterThan(0);
      expect(run.browserPid).toEqual(expect.any(Number));
      expect(run.state.status).toBe("failed");
      expect(run.state.reason).toMatch(/WhatsApp Web could not be reached from this server|showed no QR code, pairing code or session/);
      expect(run.elapsedMs).toBeLessThan(INIT_TIMEOUT_MS + 15_000);
      expect(run.after).toEqual([]);
      expect(run.groupLeft).toEqual([]);
      // Neither the profile (unencrypted session material) nor zip files stay on disk.
      expect(run.leftInDataPath.filter((name) => name.startsWith("RemoteAuth-"))).toEqual([]);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "kills the browser's process group when destroy() hangs",
    async () => {
      const run = await connectOffline({
        wrap: (client) => {
          client.destroy = () => new Promise<void>(() => undefined);
        },
        destroyTimeoutMs: 2_000,
      });
      console.info(`[wwebjs-chromium] destroy hung: ${run.elapsedMs} ms → ${JSON.stringify(run.state)}`);
      expect(run.seenAlive).toBeGreaterThan(0);
      expect(run.state.status).toBe("failed");
      expect(run.after).toEqual([]);
      expect(run.groupLeft).toEqual([]);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "times out when WhatsApp Web never answers, and leaves no Chromium process",
    async () => {
      // A proxy that accepts connections and never answers: the page load hangs (the library
      // loads it with no timeout), so only the transport's own limit ends the attempt.
      const silent = createServer(() => undefined);
      const sockets = new Set<Socket>();
      silent.on("connection", (socket) => sockets.add(socket));
      await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
      const { port } = silent.address() as AddressInfo;
      try {
        const run = await connectOffline({ initTimeoutMs: 8_000, chromiumArgs: [`--proxy-server=http://127.0.0.1:${port}`] });
        console.info(`[wwebjs-chromium] silent network: ${run.elapsedMs} ms → ${JSON.stringify(run.state)}`);
        expect(run.seenAlive).toBeGreaterThan(0);
        expect(run.state).toMatchObject({ status: "failed", reason: expect.stringMatching(/showed no QR code, pairing code or session within 8 s/) });
        expect(run.elapsedMs).toBeGreaterThanOrEqual(8_000);
        expect(run.elapsedMs).toBeLessThan(8_000 + 15_000);
        expect(run.after).toEqual([]);
        expect(run.groupLeft).toEqual([]);
      } finally {
        for (const socket of sockets) socket.destroy();
        await new Promise<void>((resolve) => silent.close(() => resolve()));
      }
    },
    TEST_TIMEOUT_MS,
  );
});
