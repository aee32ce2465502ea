import { describe, expect, it, vi } from "vitest";
import { SystemClock, createMemoryStorage, createSessionCipher } from "@relance/adapters";
import { silentLogger } from "@relance/core";
import { createTransport } from "../src/composition/transport.js";
import { SHUTDOWN_BUDGET_MS, WWEBJS_CLOSE_LIMITS } from "../src/config/shutdown.js";
import { loadConfig } from "../src/index.js";

// Review whatsapp-real-phone-gaps-2 X3 (second part): whatsapp-web.js waited up to 2 min for
// RemoteAuth's final backup when closing (wwebjs/runtime.ts: `finalBackupTimeoutMs ?? 2 * 60_000`,
// after a destroy of up to 10 s), while SIGTERM exits the process after SHUTDOWN_BUDGET_MS (30 s):
// the process was killed in the middle of the backup. Failed before: the composition root passed
// no limit, so the library's defaults applied.

const captured = vi.hoisted(() => ({ options: null as Record<string, unknown> | null }));

vi.mock("@relance/adapters/wwebjs", async (importOriginal) => {
  const real = await importOriginal<typeof import("@relance/adapters/wwebjs")>();
  return {
    ...real,
    createWwebjsTransport: (options: Record<string, unknown>) => {
      captured.options = options;
      return { name: "wwebjs-captured" };
    },
  };
});

describe("whatsapp-web.js closes within the shutdown budget", () => {
  it("the stages of its close (destroy, final backup, acknowledgements) leave room for the jobs and the storage", () => {
    const { destroyTimeoutMs, finalBackupTimeoutMs, inboundAckWaitMs } = WWEBJS_CLOSE_LIMITS;
    expect(destroyTimeoutMs + finalBackupTimeoutMs + inboundAckWaitMs).toBeLessThanOrEqual(SHUTDOWN_BUDGET_MS - 5_000);
    expect(finalBackupTimeoutMs).toBeGreaterThan(0);
  });

  it("the composition root passes those limits to the transport", async () => {
    const storage = createMemoryStorage();
    await storage.init();
    const config = loadConfig({ RELANCE_TRANSPORT: "wwebjs" });
    await createTransport({ config, storage, clock: new SystemClock(), cipher: createSessionCipher({ secrets: ["a-test-secret-of-32-characters!!"] }), logger: silentLogger, instanceId: "p1" });
    expect(captured.options).toMatchObject(WWEBJS_CLOSE_LIMITS);
  });
});
