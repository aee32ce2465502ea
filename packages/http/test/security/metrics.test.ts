import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { loadConfig, startService } from "../../src/index.js";

describe("security 10: metrics are not public", () => {
  it("serves /metrics behind the service secret, and unauthenticated only on RELANCE_METRICS_PORT", async () => {
    const port = await freePort();
    const config = loadConfig({ NODE_ENV: "test", RELANCE_TRANSPORT: "sandbox", RELANCE_JOBS: "off", LOG_LEVEL: "silent", PORT: "0", HOST: "127.0.0.1", RELANCE_METRICS_PORT: String(port), RELANCE_SERVICE_SECRET: "m".repeat(43) });
    const service = await startService(config);
    try {
      expect((await fetch(`${service.url}/metrics`)).status).toBe(401);
      const authorized = await fetch(`${service.url}/metrics`, { headers: { authorization: `Bearer ${"m".repeat(43)}`, "x-service-name": "prometheus" } });
      expect(authorized.status).toBe(200);
      const scraped = await fetch(`http://127.0.0.1:${port}/metrics`);
      expect(scraped.status).toBe(200);
      expect(await scraped.text()).toMatch(/# TYPE relance_messages_total counter/);
      expect((await fetch(`http://127.0.0.1:${port}/api/relance/status`)).status).toBe(404);
    } finally {
      await service.close();
    }
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
