import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMediaDownloader } from "../../src/transports/baileys/media-download.js";
import { isPublicAddress } from "../../src/transports/media/index.js";
import { createMediaLoader } from "../../src/transports/wwebjs/media.js";

// Security 3: a media URL redirected into loopback or cloud metadata became a PDF ready to send.
// The test server plays both the public host ("localhost", allowed by name) and the metadata
// service (127.0.0.1, not allowed).
let server: Server;
let port = 0;
beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === "/latest/meta-data") {
      res.setHeader("content-type", "application/pdf");
      return res.end("SECRET-CREDENTIALS");
    }
    if (req.url === "/redirect.pdf") {
      res.statusCode = 302;
      res.setHeader("location", `http://127.0.0.1:${port}/latest/meta-data`);
      return res.end();
    }
    if (req.url === "/page.jpg") {
      res.setHeader("content-type", "text/html");
      return res.end("<html>not an image</html>");
    }
    if (req.url === "/loop.jpg") {
      res.statusCode = 302;
      res.setHeader("location", "/loop.jpg");
      return res.end();
    }
    res.setHeader("content-type", "image/jpeg");
    res.end(Buffer.from([1, 2, 3]));
  });
  await new Promise<void>((resolve) => server.listen(0, resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const item = (url: string) => ({ url, type: "document" as const, language: "fr" as const });

describe("security 3: one SSRF-safe media fetcher for both transports", () => {
  const transports = [
    ["baileys", (url: string, allowHosts?: string[]) => createMediaDownloader({ ...(allowHosts ? { allowHosts } : {}) })(item(url))],
    ["whatsapp-web.js", (url: string, allowHosts?: string[]) => createMediaLoader({ ...(allowHosts ? { allowHosts } : {}) })(item(url))],
  ] as const;

  for (const [name, fetchOne] of transports) {
    it(`${name}: refuses a redirect into loopback or metadata addresses`, async () => {
      await expect(fetchOne(`http://localhost:${port}/redirect.pdf`, ["localhost"])).rejects.toThrow(/refused: 127\.0\.0\.1 resolves to 127\.0\.0\.1/);
    });

    it(`${name}: refuses loopback and metadata URLs unless allowed, and fetches allowed ones`, async () => {
      await expect(fetchOne(`http://127.0.0.1:${port}/a.jpg`)).rejects.toThrow(/refused/);
      await expect(fetchOne(`http://localhost:${port}/a.jpg`)).rejects.toThrow(/refused/);
      await expect(fetchOne("http://169.254.169.254/latest/meta-data")).rejects.toThrow(/refused/);
      await expect(fetchOne("http://[::ffff:127.0.0.1]/x.jpg")).rejects.toThrow(/refused/);
      await expect(fetchOne("file:///etc/passwd")).rejects.toThrow(/http\(s\)/);
      expect(await fetchOne(`http://localhost:${port}/a.jpg`, ["localhost"])).toBeTruthy();
    });

    it(`${name}: refuses what is not a media, and redirect loops`, async () => {
      await expect(fetchOne(`http://localhost:${port}/page.jpg`, ["localhost"])).rejects.toThrow(/text\/html is not an image/);
      await expect(fetchOne(`http://localhost:${port}/loop.jpg`, ["localhost"])).rejects.toThrow(/more than 3 redirects/);
    });
  }

  it("knows the private, loopback, link-local and metadata ranges", () => {
    for (const address of ["127.0.0.1", "10.1.2.3", "172.20.0.1", "192.168.1.1", "169.254.169.254", "100.100.100.200", "0.0.0.0", "::1", "fd00:ec2::254", "fe80::1", "::ffff:10.0.0.1"]) {
      expect(isPublicAddress(address), address).toBe(false);
    }
    for (const address of ["8.8.8.8", "2a00:1450:4007:80e::200e", "93.184.216.34"]) expect(isPublicAddress(address), address).toBe(true);
  });

  // Security review 2, item 3 (minor gap): local-use NAT64 and the IPv6 transition prefixes that
  // embed an IPv4 address (6to4 2002:7f00:1:: is 127.0.0.1; Teredo) were taken for public.
  it("knows local NAT64 (64:ff9b:1::/48) and the prefixes embedding an IPv4 address (6to4, Teredo)", () => {
    for (const address of ["64:ff9b:1::a00:1", "2002:7f00:1::", "2002:a9fe:a9fe::1", "2001:0:4136:e378:8000:63bf:3fff:fdd2", "::7f00:1"]) {
      expect(isPublicAddress(address), address).toBe(false);
    }
    expect(isPublicAddress("2001:4860:4860::8888")).toBe(true);
  });
});
