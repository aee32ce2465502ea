import { sign } from "hono/jwt";
import { afterEach, describe, expect, it } from "vitest";
import { JWT_SECRET, startTestApp, type TestApp } from "../support/test-app.js";

describe("security 5: status streams end with their token and are capped", () => {
  let t: TestApp | null = null;
  const readers: ReadableStreamDefaultReader<Uint8Array>[] = [];
  afterEach(async () => {
    for (const reader of readers.splice(0)) await reader.cancel().catch(() => undefined);
    await t?.close();
    t = null;
  });

  async function openStream(token: string): Promise<{ status: number; reader: ReadableStreamDefaultReader<Uint8Array> | null }> {
    const response = await t!.service.app.request("/api/relance/status/events", { headers: { authorization: `Bearer ${token}` } });
    if (response.status !== 200) return { status: response.status, reader: null };
    const reader = response.body!.getReader();
    readers.push(reader);
    await reader.read(); // the first status event
    return { status: 200, reader };
  }

  it("closes the stream when the token that opened it expires", async () => {
    t = await startTestApp();
    const exp = Math.floor(Date.now() / 1000) + 2;
    const { reader } = await openStream(await sign({ sub: "r1", exp }, JWT_SECRET, "HS256"));
    // Reads until the server ends the stream: it must, at the token's exp.
    for (;;) {
      const { done } = await reader!.read();
      if (done) break;
    }
    expect(Date.now()).toBeGreaterThanOrEqual((exp - 1) * 1000);
  }, 10_000);

  it("caps open streams per account and in all, and frees the place when one closes", async () => {
    t = await startTestApp({ RELANCE_SSE_MAX_PER_USER: "2", RELANCE_SSE_MAX_TOTAL: "3" });
    const r1 = await t.referrerToken("r1");
    const first = await openStream(r1);
    expect((await openStream(r1)).status).toBe(200);
    const refused = await t.service.app.request("/api/relance/status/events", { headers: { authorization: `Bearer ${r1}` } });
    expect(refused.status).toBe(429);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("too_many_streams");
    expect((await openStream(await t.referrerToken("r2"))).status).toBe(200);
    expect((await openStream(await t.referrerToken("r3"))).status).toBe(429);
    await first.reader!.cancel();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await openStream(r1)).status).toBe(200);
  });
});
