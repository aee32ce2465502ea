import { afterEach, describe, expect, it } from "vitest";
import { REFERRER, until, world, type World } from "./support/wwebjs-world.js";

// Security 6: a whatsapp-web.js Chromium waiting for a scan lived as long as the idle timeout
// (30 minutes). The wait for a scan or a code is bounded on its own.
describe("whatsapp-web.js: the wait for a scan is bounded", () => {
  let w: World | null = null;
  afterEach(async () => {
    await w?.close();
    w = null;
  });

  it("closes the Chromium of a QR nobody scans after linkWaitMs, and says why", async () => {
    w = await world({ linkWaitMs: 150 });
    expect(await w.transport.connect(REFERRER, { method: "qr" })).toMatchObject({ status: "pending_qr" });
    const client = w.fake.latest(REFERRER);
    await until(() => w!.transport.getState(REFERRER).status === "disconnected", "link wait over");
    expect(w.transport.getState(REFERRER)).toMatchObject({ status: "disconnected", reason: expect.stringMatching(/not used in time/) });
    await until(() => client.destroyed, "client destroyed");
  });
});
