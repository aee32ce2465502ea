import { describe, expect, it } from "vitest";
import { HttpDirectory } from "../../src/index.js";

// Security 11: the pull directory read responses of any size.
describe("http directory: response size cap", () => {
  const referrer = { userId: "r1", name: "R", phone: "+33600000001", relanceSubscriptionActive: true };

  it("refuses a response over maxResponseBytes, announced or streamed, without reading it whole", async () => {
    const huge = JSON.stringify({ ...referrer, name: "x".repeat(4096) });
    const streamed = (body: string) =>
      new Response(
        new ReadableStream({
          start(controller) {
            for (let i = 0; i < body.length; i += 512) controller.enqueue(new TextEncoder().encode(body.slice(i, i + 512)));
            controller.close();
          },
        }),
        { status: 200, headers: { "content-type": "application/json" } },
      );
    const announced = new HttpDirectory({ baseUrl: "https://users.example", serviceSecret: "s".repeat(32), retries: 0, maxResponseBytes: 1024, fetch: async () => new Response(huge, { headers: { "content-length": String(huge.length) } }) });
    await expect(announced.getReferrer("r1")).rejects.toThrow(/larger than 1024 bytes/);
    const chunked = new HttpDirectory({ baseUrl: "https://users.example", serviceSecret: "s".repeat(32), retries: 0, maxResponseBytes: 1024, fetch: async () => streamed(huge) });
    await expect(chunked.getReferrer("r1")).rejects.toThrow(/larger than 1024 bytes/);
    const small = new HttpDirectory({ baseUrl: "https://users.example", serviceSecret: "s".repeat(32), retries: 0, maxResponseBytes: 1024, fetch: async () => streamed(JSON.stringify(referrer)) });
    expect(await small.getReferrer("r1")).toMatchObject({ userId: "r1" });
  });
});
