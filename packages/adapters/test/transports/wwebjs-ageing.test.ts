import { afterEach, describe, expect, it } from "vitest";
import { TransportUnavailableError, type Logger } from "@relance/core";
import { PINNED_WEB_VERSION } from "../../src/transports/wwebjs/client-factory.js";
import { WAState } from "../../src/transports/wwebjs/library.js";
import { ARCHIVE_KEY } from "../../src/transports/wwebjs/remote-auth-store.js";
import { sessionIdOf } from "../../src/transports/wwebjs/session-ids.js";
import type { WwebjsTransport } from "../../src/transports/wwebjs/transport.js";
import { PHONE, REFERRAL, REFERRER, until, world, type World } from "./support/wwebjs-world.js";

/**
 * Sessions that age well (`../shared/whatsapp-real-phone-gaps-2.md`, W4, W6, W7): what a
 * whatsapp-web.js session meets after weeks of running, on the fake clients.
 */
describe("wwebjs: sessions that age well", () => {
  let w: World;
  afterEach(async () => {
    await w?.close();
  });

  async function linked(transport: WwebjsTransport = w.transport, referrerUserId = REFERRER, phone = PHONE): Promise<void> {
    await transport.connect(referrerUserId, { method: "qr" });
    await w.fake.latest(referrerUserId).link(phone);
    await until(() => transport.getState(referrerUserId).status === "connected", "connected");
    await transport.idle();
  }

  function capturingLogger(): Logger & { lines: Array<{ level: string; fields: Record<string, unknown>; message: string }> } {
    const lines: Array<{ level: string; fields: Record<string, unknown>; message: string }> = [];
    const at = (level: string) => (fields: Record<string, unknown>, message: string) => void lines.push({ level, fields, message });
    return { lines, debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
  }

  describe("W4: a pinned WhatsApp Web build the server deprecates", () => {
    it("is not restored in a loop: the next restore loads `latest`, with an alert to re-pin", async () => {
      const logger = capturingLogger();
      w = await world({ logger });
      await linked();
      expect(w.fake.latest(REFERRER).setup.webVersion?.version).toBe(PINNED_WEB_VERSION);

      w.fake.deprecatedBuilds.add(PINNED_WEB_VERSION);
      // The session is closed (idle, evicted...) and restored with the now deprecated pin.
      await w.fake.latest(REFERRER).closedBy(WAState.DEPRECATED_VERSION);
      await until(() => w.transport.getState(REFERRER).status === "disconnected", "disconnected");
      await w.transport.idle();
      expect(w.transport.getState(REFERRER).reason).toMatch(/DEPRECATED_VERSION/);
      expect(logger.lines.some((l) => l.level === "error" && /deprecated/i.test(l.message) && l.fields.webVersion === PINNED_WEB_VERSION)).toBe(true);
      expect((await w.storage.sessions.get(sessionIdOf(REFERRER), [ARCHIVE_KEY]))[ARCHIVE_KEY]).toBeDefined();

      expect(await w.transport.ensureReady(REFERRER)).toMatchObject({ status: "connected", phone: PHONE });
      expect(w.fake.clientsOf(REFERRER)).toHaveLength(2);
      expect(w.fake.latest(REFERRER).setup.webVersion).toEqual({ version: "latest" });
      // Every later start of this process uses the fallback too, for every referrer.
      await linked(w.transport, "referrer-2", "+33600000002");
      expect(w.fake.latest("referrer-2").setup.webVersion).toEqual({ version: "latest" });
    });

    it("a restore on the deprecated pin falls back at once; when the fallback is refused too, restores stop (failed)", async () => {
      w = await world();
      await linked();
      w.fake.deprecatedBuilds.add(PINNED_WEB_VERSION);
      w.fake.deprecatedBuilds.add("latest");
      await w.fake.latest(REFERRER).closedBy(WAState.DEPRECATED_VERSION);
      await until(() => w.transport.getState(REFERRER).status === "disconnected", "disconnected");
      await w.transport.idle();

      // Restored on `latest`, which the server refuses as well: no more Chromiums for it.
      await w.transport.ensureReady(REFERRER);
      await until(() => w.transport.getState(REFERRER).status === "failed", "failed");
      await w.transport.idle();
      expect(w.transport.getState(REFERRER).reason).toMatch(/WhatsApp Web build.*(deprecated|outdated)/i);
      const clients = w.fake.clientsOf(REFERRER).length;
      expect(await w.transport.ensureReady(REFERRER)).toMatchObject({ status: "failed" });
      expect(await w.transport.ensureReady(REFERRER)).toMatchObject({ status: "failed" });
      expect(w.fake.clientsOf(REFERRER)).toHaveLength(clients);
    });
  });

  describe("W7: smaller points", () => {
    it("a number check WhatsApp does not answer is asked again, not read as \"not on WhatsApp\"", async () => {
      w = await world();
      await linked();
      w.fake.numberChecksUnanswered = 1;
      expect(await w.transport.isOnWhatsApp(REFERRER, REFERRAL)).toBe(true);
      w.fake.notOnWhatsApp.add(REFERRAL.replace(/^\+/, ""));
      expect(await w.transport.isOnWhatsApp(REFERRER, REFERRAL)).toBe(false);
    });

    it("a null number check while WhatsApp Web's socket is down is an outage, not an invalid number", async () => {
      w = await world();
      await linked();
      w.fake.socketState = WAState.TIMEOUT;
      await expect(w.transport.isOnWhatsApp(REFERRER, REFERRAL)).rejects.toBeInstanceOf(TransportUnavailableError);
    });

    describe("restores of heavy accounts", () => {
      async function restoredAfterIdle(): Promise<void> {
        await linked();
        await w.transport.disconnect(REFERRER, { logout: false });
        // Not by the referrer: the marker goes, the next ensureReady restores.
        await w.storage.sessions.set(sessionIdOf(REFERRER), { "closed-by-referrer": null });
      }

      it("get their own, longer limit than a link (restoreTimeoutMs)", async () => {
        w = await world({ initTimeoutMs: 600, restoreTimeoutMs: 3_000 });
        await restoredAfterIdle();
        w.fake.restoreLoading = { steps: 1, stepMs: 400 };
        expect(await w.transport.ensureReady(REFERRER)).toMatchObject({ status: "connected", phone: PHONE });
      });

      it("keep going while WhatsApp Web's loading screen progresses, past the limit", async () => {
        w = await world({ initTimeoutMs: 600, restoreTimeoutMs: 700 });
        await restoredAfterIdle();
        w.fake.restoreLoading = { steps: 5, stepMs: 300 };
        expect(await w.transport.ensureReady(REFERRER)).toMatchObject({ status: "connected", phone: PHONE });
      });

      it("still end when the loading screen stalls", async () => {
        w = await world({ initTimeoutMs: 600, restoreTimeoutMs: 700 });
        await restoredAfterIdle();
        w.fake.restoreLoading = { steps: 1, stepMs: 1_000 };
        expect(await w.transport.ensureReady(REFERRER)).toMatchObject({ status: "failed", reason: expect.stringMatching(/did not become ready within 700 ms/) });
      });
    });

    describe("the final backup and the lease", () => {
      const archive = async () => (await w.storage.sessions.get(sessionIdOf(REFERRER), [ARCHIVE_KEY]))[ARCHIVE_KEY];

      function recordOrder(): string[] {
        const order: string[] = [];
        const { leases, sessions } = w.storage;
        const release = leases.release.bind(leases);
        leases.release = async (...args) => {
          order.push("lease released");
          return release(...args);
        };
        const set = sessions.set.bind(sessions);
        sessions.set = async (sessionId, values) => {
          if (ARCHIVE_KEY in values) order.push("archive saved");
          return set(sessionId, values);
        };
        return order;
      }

      it("a final backup slower than the destroy limit still lands before the lease is given back", async () => {
        w = await world();
        await linked();
        const order = recordOrder();
        let open!: () => void;
        w.fake.finalBackupGate = new Promise<void>((resolve) => (open = resolve));
        // Opens well after the 200 ms destroy limit of the test world.
        setTimeout(() => open(), 500);
        await w.transport.disconnect(REFERRER, { logout: false });
        expect(order).toEqual(["archive saved", "lease released"]);
      });

      it("a final backup that outlives its own limit is dropped: nothing is written once the lease is given back", async () => {
        w = await world({ finalBackupTimeoutMs: 300 });
        await linked();
        const before = await archive();
        const order = recordOrder();
        let open!: () => void;
        w.fake.finalBackupGate = new Promise<void>((resolve) => (open = resolve));
        await w.transport.disconnect(REFERRER, { logout: false });
        expect(order).toEqual(["lease released"]);
        open();
        await new Promise((resolve) => setTimeout(resolve, 50));
        expect(order).toEqual(["lease released"]);
        expect(await archive()).toBe(before);
      });
    });
  });
});
