import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import wweb from "whatsapp-web.js";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "@relance/core";
import type { StorageBackend } from "../../src/ports/index.js";
import { createMemoryStorage, createSessionCipher } from "../../src/index.js";
import { BACKUP_INTERVAL_MS, createRealWwebjsClient, PINNED_WEB_VERSION, webVersionPin, WEB_VERSION_ARCHIVE_URL } from "../../src/transports/wwebjs/client-factory.js";
import { createMediaLoader } from "../../src/transports/wwebjs/media.js";
import { ARCHIVE_KEY, createRemoteAuthStore } from "../../src/transports/wwebjs/remote-auth-store.js";

const SECRET = "a-test-secret-of-32-characters!!";

describe("whatsapp-web.js client set-up", () => {
  let dataPath: string;
  let storage: StorageBackend;
  beforeAll(async () => {
    dataPath = await mkdtemp(join(tmpdir(), "relance-wwebjs-setup-"));
    storage = createMemoryStorage();
    await storage.init();
  });
  afterAll(async () => {
    await rm(dataPath, { recursive: true, force: true });
  });

  const storeFor = (sessionId = "wwebjs:r", generation?: "previous") =>
    createRemoteAuthStore({
      sessions: storage.sessions,
      cipher: createSessionCipher({ secrets: [SECRET] }),
      sessionId,
      sessionName: "RemoteAuth-r",
      dataPath,
      ...(generation ? { generation } : {}),
    });

  /** The real Client, built but not started (no Chromium): its options are what it would run with. */
  function realClient(extra: Partial<Parameters<typeof createRealWwebjsClient>[0]> = {}) {
    const client = createRealWwebjsClient({ referrerUserId: "r", clientId: "r", store: storeFor(), dataPath, chromiumPath: "/nonexistent", logger: silentLogger, ...extra });
    return client as unknown as { options: { webVersion?: string; webVersionCache: unknown }; authStrategy: { backupSyncIntervalMs: number } };
  }

  it("pins the WhatsApp Web build whatsapp-web.js 1.34.7 was released with, served from a local cache", () => {
    // Upgrading the library moves its default (Constants.js:10): this fails until the pin is looked at again.
    expect(PINNED_WEB_VERSION).toBe((wweb as unknown as { DefaultOptions: { webVersion: string } }).DefaultOptions.webVersion);
    const client = realClient();
    expect(client.options.webVersion).toBe(PINNED_WEB_VERSION);
    expect(client.options.webVersionCache).toEqual({ type: "local", path: join(dataPath, "web-version-cache"), strict: false });
    expect(webVersionPin({}, dataPath)).toMatchObject({ fetchFrom: WEB_VERSION_ARCHIVE_URL });

    const latest = realClient({ webVersion: webVersionPin({ version: "latest" }, dataPath) });
    expect(latest.options.webVersionCache).toEqual({ type: "none" });
    const strictLocal = realClient({ webVersion: webVersionPin({ version: "2.3000.1", source: "local", strict: true }, dataPath) });
    expect(strictLocal.options).toMatchObject({ webVersion: "2.3000.1", webVersionCache: { type: "local", strict: true } });
  });

  it("reports a pairing code WhatsApp Web could not give as an auth failure with its reason, not as a silent timeout (W7)", async () => {
    // inject() calls requestPairingCode without awaiting it (Client.js:217-221); with no page it rejects.
    const client = createRealWwebjsClient({ referrerUserId: "r", clientId: "r", store: storeFor(), dataPath, chromiumPath: "/nonexistent", logger: silentLogger, pairWithPhoneNumber: { phoneNumber: "33600000001" } });
    const failures: string[] = [];
    client.on("auth_failure", (message) => failures.push(message));
    await (client as unknown as { requestPairingCode(phone: string): Promise<string> }).requestPairingCode("33600000001");
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatch(/^no pairing code: /);
  });

  it("backs the profile up every 20 minutes by default (RemoteAuth's 5 tore more copies), configurable", () => {
    expect(BACKUP_INTERVAL_MS).toBe(20 * 60_000);
    expect(realClient().authStrategy.backupSyncIntervalMs).toBe(20 * 60_000);
    expect(realClient({ backupIntervalMs: 15 * 60_000 }).authStrategy.backupSyncIntervalMs).toBe(15 * 60_000);
  });

  it("keeps the previous archive generation, and restores it on demand", async () => {
    const store = storeFor("wwebjs:gen");
    const save = async (content: string) => {
      await writeFile(join(dataPath, "RemoteAuth-r.zip"), content);
      await store.save({ session: "RemoteAuth-r" });
    };
    const extracted = async (generation?: "previous") => {
      const path = join(dataPath, "out.zip");
      await createRemoteAuthStore({ sessions: storage.sessions, cipher: createSessionCipher({ secrets: [SECRET] }), sessionId: "wwebjs:gen", sessionName: "RemoteAuth-r", dataPath, ...(generation ? { generation } : {}) }).extract({ session: "RemoteAuth-r", path });
      return readFile(path, "latin1");
    };
    await save("PK-one");
    expect(await store.hasPrevious()).toBe(false);
    await save("PK-two");
    expect(await store.hasPrevious()).toBe(true);
    expect(await extracted()).toBe("PK-two");
    expect(await extracted("previous")).toBe("PK-one");
    await save("PK-three");
    expect(await extracted("previous")).toBe("PK-two");
    // A QR on top of a stored session: RemoteAuth must treat the link as new (back it up soon).
    store.treatAsNew();
    expect(await store.sessionExists({ session: "RemoteAuth-r" })).toBe(false);
    await save("PK-four");
    expect(await store.sessionExists({ session: "RemoteAuth-r" })).toBe(true);
    // The manifest naming them is encrypted like the chunks.
    expect((await storage.sessions.get("wwebjs:gen", [ARCHIVE_KEY]))[ARCHIVE_KEY]).toMatch(/^v1\./);
  });
});

describe("media downloads", () => {
  let server: Server;
  let base: string;
  const pending: Array<() => void> = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === "/big.jpg") {
        res.writeHead(200, { "content-type": "image/jpeg", "content-length": String(2048) });
        res.end(Buffer.alloc(2048));
      } else if (req.url === "/chunked.jpg") {
        res.writeHead(200, { "content-type": "image/jpeg" });
        res.write(Buffer.alloc(800));
        res.end(Buffer.alloc(800));
      } else if (req.url === "/stall.jpg") {
        res.writeHead(200, { "content-type": "image/jpeg" });
        res.write(Buffer.alloc(10));
        pending.push(() => res.end());
      } else {
        res.writeHead(200, { "content-type": "image/jpeg" });
        res.end(Buffer.alloc(100));
      }
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterEach(() => {
    for (const end of pending.splice(0)) end();
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const load = createMediaLoader({ maxBytes: 1024, timeoutMs: 300, allowHosts: ["127.0.0.1"] });
  const item = (path: string) => ({ url: `${base}${path}`, type: "image" as const, language: "fr" as const });

  it("refuses media larger than the cap, declared or streamed, and keeps the small ones", async () => {
    await expect(load(item("/big.jpg"))).rejects.toThrow(/larger than 1024 bytes/);
    await expect(load(item("/chunked.jpg"))).rejects.toThrow(/larger than 1024 bytes/);
    expect((await load(item("/small.jpg"))).filesize).toBe(100);
  });

  it("gives up on a download that stalls mid-body", async () => {
    await expect(load(item("/stall.jpg"))).rejects.toThrow(/no complete answer within 300 ms/);
  });
});
