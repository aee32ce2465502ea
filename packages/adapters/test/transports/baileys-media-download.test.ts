import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createMediaDownloader } from "../../src/transports/baileys/media-download.js";

// Gap 12: given `{ url }`, Baileys fetches media itself with no timeout and no size cap
// (lib/Utils/messages-media.js:297-304). The transport downloads first, bounded, then hands bytes over.

let server: Server | null = null;

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = null;
});

async function serve(handler: Parameters<typeof createServer>[1]): Promise<string> {
  server = createServer(handler);
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

// The test server is on loopback, refused unless allowed by name.
const LOCAL = { allowHosts: ["127.0.0.1"] };
const item = (url: string) => ({ url, type: "image" as const, language: "fr" as const });

describe("baileys media download", () => {
  it("returns the bytes of a media", async () => {
    const base = await serve((_req, res) => res.end(Buffer.from([1, 2, 3])));
    expect(await createMediaDownloader(LOCAL)(item(`${base}/a.jpg`))).toEqual(Buffer.from([1, 2, 3]));
  });

  it("gives up on a URL that hangs after the timeout", async () => {
    const base = await serve(() => undefined);
    await expect(createMediaDownloader({ ...LOCAL, timeoutMs: 100 })(item(`${base}/slow.jpg`))).rejects.toThrow(/no complete answer within 100 ms/);
  });

  it("refuses a body over the cap, announced or streamed", async () => {
    const announced = await serve((_req, res) => {
      res.setHeader("content-length", "2048");
      res.end(Buffer.alloc(2048));
    });
    await expect(createMediaDownloader({ ...LOCAL, maxBytes: 1024 })(item(`${announced}/big.jpg`))).rejects.toThrow(/larger than 1024 bytes/);
    server!.closeAllConnections();
    await new Promise((resolve) => server!.close(resolve));
    const streamed = await serve((_req, res) => {
      res.write(Buffer.alloc(800));
      res.end(Buffer.alloc(800));
    });
    await expect(createMediaDownloader({ ...LOCAL, maxBytes: 1024 })(item(`${streamed}/big.jpg`))).rejects.toThrow(/larger than 1024 bytes/);
  });

  it("says which status a failed download had, without the query string", async () => {
    const base = await serve((_req, res) => {
      res.statusCode = 404;
      res.end("not found");
    });
    await expect(createMediaDownloader(LOCAL)(item(`${base}/gone.jpg?token=secret`))).rejects.toThrow(`media download failed: HTTP 404 for ${base}/gone.jpg`);
  });
});
