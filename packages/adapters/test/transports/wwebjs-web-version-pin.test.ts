import { createHash } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtemp, readFile, rm, writeFile, mkdir, access } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "@relance/core";
import { prefetchWebVersion, webVersionPin } from "../../src/transports/wwebjs/client-factory.js";

const GOOD = "<html><!-- the WhatsApp Web build the operator checked --></html>";
const EVIL = "<html><script>steal(window.Store)</script></html>";
const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");
const exists = (file: string) => access(file).then(() => true, () => false);

// Security review 2, L11: the pinned build came from a third-party GitHub repository, was written
// unverified and served by LocalWebCache (a plain readFileSync) as the web.whatsapp.com page of
// every session: a compromise of that repository ran its script in every linked WhatsApp.
describe("whatsapp-web.js: the downloaded WhatsApp Web page is pinned by its SHA-256", () => {
  let server: Server;
  let body = GOOD;
  let requests = 0;
  let url = "";
  let root = "";
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "relance-web-pin-"));
    server = createServer((_req, res) => {
      requests += 1;
      res.end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/{version}.html`;
  });
  afterAll(async () => {
    server.close();
    await rm(root, { recursive: true, force: true });
  });

  it("caches a fetched page whose hash matches the pin", async () => {
    const dataPath = join(root, "match");
    body = GOOD;
    const pin = webVersionPin({ version: "2.3000.1", url, sha256: sha256(GOOD) }, dataPath);
    await prefetchWebVersion(pin, silentLogger);
    expect(await readFile(join(dataPath, "web-version-cache", "2.3000.1.html"), "utf8")).toBe(GOOD);
  });

  it("refuses a fetched page whose hash differs: nothing is cached, so no session loads it", async () => {
    const dataPath = join(root, "tampered");
    body = EVIL;
    const warnings: string[] = [];
    const logger = { ...silentLogger, warn: (_fields: unknown, message: string) => void warnings.push(message), error: (_fields: unknown, message: string) => void warnings.push(message) };
    const pin = webVersionPin({ version: "2.3000.2", url, sha256: sha256(GOOD) }, dataPath);
    await prefetchWebVersion(pin, logger as typeof silentLogger);
    expect(await exists(join(dataPath, "web-version-cache", "2.3000.2.html"))).toBe(false);
    expect(warnings.join("\n")).toMatch(/pinned SHA-256: refused/);
  });

  it("refuses a cached page whose hash differs (planted or left by an earlier download), and fetches the pinned one", async () => {
    const dataPath = join(root, "planted");
    const file = join(dataPath, "web-version-cache", "2.3000.3.html");
    await mkdir(join(dataPath, "web-version-cache"), { recursive: true });
    await writeFile(file, EVIL);
    body = GOOD;
    const before = requests;
    await prefetchWebVersion(webVersionPin({ version: "2.3000.3", url, sha256: sha256(GOOD) }, dataPath), silentLogger);
    expect(await readFile(file, "utf8")).toBe(GOOD);
    expect(requests).toBe(before + 1);
    // A local source is checked too: a wrong file is removed rather than served.
    await writeFile(file, EVIL);
    await prefetchWebVersion(webVersionPin({ version: "2.3000.3", source: "local", sha256: sha256(GOOD) }, dataPath), silentLogger);
    expect(await exists(file)).toBe(false);
  });
});
