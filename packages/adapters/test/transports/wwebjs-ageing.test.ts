import { chmod, mkdir, readdir, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { SessionCapacityError, TransportUnavailableError, type E164, type Logger } from "@relance/core";
import { ManualClock } from "../../src/index.js";
import { CANONICAL_KEY, SEEN_KEY, WATERMARK_KEY } from "../../src/transports/wwebjs/session-book.js";
import { PINNED_WEB_VERSION } from "../../src/transports/wwebjs/client-factory.js";
import { WAState } from "../../src/transports/wwebjs/library.js";
import { ARCHIVE_KEY } from "../../src/transports/wwebjs/remote-auth-store.js";
import { sessionIdOf } from "../../src/transports/wwebjs/session-ids.js";
import { PHONE, REFERRAL, REFERRER, linked, storedEntry, storedProfilePhone, until, world, type World } from "./support/wwebjs-world.js";

/**
 * Sessions that age well (`../shared/whatsapp-real-phone-gaps-2.md`, W4, W6, W7): what a
 * whatsapp-web.js session meets after weeks of running, on the fake clients.
 */
describe("wwebjs: sessions that age well", () => {
  let w: World;
  afterEach(async () => {
    await w?.close();
  });

  function capturingLogger(): Logger & { lines: Array<{ level: string; fields: Record<string, unknown>; message: string }> } {
    const lines: Array<{ level: string; fields: Record<string, unknown>; message: string }> = [];
    const at = (level: string) => (fields: Record<string, unknown>, message: string) => void lines.push({ level, fields, message });
    return { lines, debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
  }
  describe("W4: the pin's age is checked at start, offline (session/known-builds.ts)", () => {
    it("a pin WhatsApp has had long enough to deprecate is warned about, and still loaded", async () => {
      const logger = capturingLogger();
      w = await world({ logger, clock: new ManualClock("2026-10-01T10:00:00Z") });
      expect(logger.lines.some((l) => l.level === "warn" && /ageing/.test(l.message) && l.fields.webVersion === PINNED_WEB_VERSION && l.fields.ageDays === 159)).toBe(true);
      await linked(w);
      expect(w.fake.latest(REFERRER).setup.webVersion?.version).toBe(PINNED_WEB_VERSION);
    });

    it("a pin past a year is refused: clients load the fallback from the start, with an error for the operator", async () => {
      const logger = capturingLogger();
      w = await world({ logger, clock: new ManualClock("2027-06-01T10:00:00Z") });
      expect(logger.lines.some((l) => l.level === "error" && /too old/.test(l.message) && l.fields.webVersion === PINNED_WEB_VERSION)).toBe(true);
      await linked(w);
      expect(w.fake.latest(REFERRER).setup.webVersion).toEqual({ version: "latest" });
    });
  });


  describe("W4: a pinned WhatsApp Web build the server deprecates", () => {
    it("is not restored in a loop: the next restore loads `latest`, with an alert to re-pin", async () => {
      const logger = capturingLogger();
      w = await world({ logger });
      await linked(w);
      expect(w.fake.latest(REFERRER).setup.webVersion?.version).toBe(PINNED_WEB_VERSION);

      w.fake.deprecatedBuilds.add(PINNED_WEB_VERSION);
      // The session is closed (idle, evicted...) and restored with the now deprecated pin.
      await w.fake.latest(REFERRER).closedBy(WAState.DEPRECATED_VERSION);
      await until(() => w.transport.getState(REFERRER).status === "disconnected", "disconnected");
      await w.transport.idle();
      expect(w.transport.getState(REFERRER).reason).toMatch(/DEPRECATED_VERSION/);
      expect(logger.lines.some((l) => l.level === "error" && /deprecated/i.test(l.message) && l.fields.webVersion === PINNED_WEB_VERSION)).toBe(true);
      expect(await storedProfilePhone(w)).toBe(PHONE);

      expect(await w.transport.ensureReady(REFERRER)).toMatchObject({ status: "connected", phone: PHONE });
      expect(w.fake.clientsOf(REFERRER)).toHaveLength(2);
      expect(w.fake.latest(REFERRER).setup.webVersion).toEqual({ version: "latest" });
      // Every later start of this process uses the fallback too, for every referrer.
      await linked(w, "referrer-2", "+33600000002");
      expect(w.fake.latest("referrer-2").setup.webVersion).toEqual({ version: "latest" });
    });

    it("a pinned build whose page no longer loads (auth timeout twice running, no ready between) falls back too", async () => {
      const logger = capturingLogger();
      w = await world({ logger });
      await linked(w);
      await w.transport.disconnect(REFERRER, { logout: false });
      await w.storage.sessions.set(sessionIdOf(REFERRER), { "closed-by-referrer": null });
      w.fake.unloadableBuilds.add(PINNED_WEB_VERSION);
      expect(await w.transport.ensureReady(REFERRER)).toMatchObject({ status: "failed", reason: expect.stringMatching(/auth timeout/) });
      // Once could be a slow network: the pin stays.
      expect(w.fake.latest(REFERRER).setup.webVersion?.version).toBe(PINNED_WEB_VERSION);
      expect(await w.transport.ensureReady(REFERRER)).toMatchObject({ status: "failed" });
      expect(logger.lines.some((l) => l.level === "error" && l.fields.webVersion === PINNED_WEB_VERSION)).toBe(true);
      expect(await w.transport.ensureReady(REFERRER)).toMatchObject({ status: "connected", phone: PHONE });
      expect(w.fake.latest(REFERRER).setup.webVersion).toEqual({ version: "latest" });
    });

    it("a restore on the deprecated pin falls back at once; when the fallback is refused too, restores stop (failed)", async () => {
      w = await world();
      await linked(w);
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

  describe("W6: the listen job and the Chromium cap", () => {
    const listen = (referrerUserId: string) => w.transport.ensureReady(referrerUserId, { purpose: "listen" });

    async function closedSessions(ids: string[]): Promise<void> {
      for (const [i, id] of ids.entries()) await linked(w, id, `+3360000010${i}`);
      for (const id of ids) {
        await w.transport.disconnect(id, { logout: false });
        // Closed by this server, not by the referrer: restored on demand.
        await w.storage.sessions.set(sessionIdOf(id), { "closed-by-referrer": null });
      }
    }

    it("never evicts an open session to listen to another: no room, no new Chromium (SessionCapacityError)", async () => {
      const clock = new ManualClock("2026-01-05T10:00:00Z");
      w = await world({ clock, maxSessions: 2 });
      await closedSessions(["r3"]);
      await linked(w, "r1", "+33600000001");
      await linked(w, "r2", "+33600000002");
      clock.advance(5 * 60_000); // both past the eviction grace: dispatch could evict them
      const clients = w.fake.clients.length;
      await expect(listen("r3")).rejects.toBeInstanceOf(SessionCapacityError);
      expect(w.fake.clients.length).toBe(clients);
      expect(w.fake.latest("r1").destroyed).toBe(false);
      expect(w.fake.latest("r2").destroyed).toBe(false);
      // Sessions already open are listened to as ever; a send may still evict.
      expect(await listen("r1")).toMatchObject({ status: "connected" });
      expect(await w.transport.ensureReady("r3")).toMatchObject({ status: "connected" });
    });

    it("opens Chromiums for listening at most one a minute on average (a burst up to the cap)", async () => {
      const clock = new ManualClock("2026-01-05T10:00:00Z");
      w = await world({ clock, maxSessions: 3 });
      await closedSessions(["a", "b", "c"]);
      for (const id of ["a", "b", "c"]) expect(await listen(id)).toMatchObject({ status: "connected" });
      for (const id of ["a", "b", "c"]) await w.transport.disconnect(id, { logout: false });
      for (const id of ["a", "b", "c"]) await w.storage.sessions.set(sessionIdOf(id), { "closed-by-referrer": null });
      await expect(listen("a")).rejects.toBeInstanceOf(SessionCapacityError);
      clock.advance(60_000);
      expect(await listen("a")).toMatchObject({ status: "connected" });
      await expect(listen("b")).rejects.toBeInstanceOf(SessionCapacityError);
    });
  });

  describe("X3: erasure reaches the session's own stores", () => {
    const BR: E164 = "+5511987654321";
    const decrypted = async (key: string) => {
      const plaintext = await storedEntry(w, key);
      return plaintext === undefined ? null : JSON.parse(plaintext);
    };

    it.each([["running", false], ["closed", true]] as const)("forgetContact removes a number's canonical id and its message ids (session %s)", async (_, close) => {
      w = await world();
      await linked(w);
      w.fake.canonical.set("5511987654321", "551187654321");
      expect(await w.transport.isOnWhatsApp(REFERRER, BR)).toBe(true);
      w.fake.latest(REFERRER).receive("551187654321@c.us", "bom dia");
      w.fake.latest(REFERRER).receive("33699999999@c.us", "salut");
      await until(async () => ((await decrypted(SEEN_KEY)) ?? []).length === 2, "both seen");
      await w.transport.idle();
      expect(await decrypted(CANONICAL_KEY)).toEqual({ [BR]: "551187654321@c.us" });
      if (close) await w.transport.disconnect(REFERRER, { logout: false });

      await w.transport.forgetContact(REFERRER, BR);
      expect(await decrypted(CANONICAL_KEY)).toEqual({});
      // The erased number's message id is kept as its hash: a catch-up reading the chat again does not emit it anew.
      const seen: string[] = await decrypted(SEEN_KEY);
      expect(seen).toHaveLength(2);
      expect(seen.filter((id) => id.includes("33699999999@c.us"))).toHaveLength(1);
      expect(seen.filter((id) => id.startsWith("forgotten:"))).toHaveLength(1);
      expect(JSON.stringify(seen)).not.toContain("551187654321");
      expect(JSON.stringify(await decrypted(WATERMARK_KEY))).not.toContain("551187654321");
    });
  });

  describe("W7: smaller points", () => {
    it("a number check WhatsApp does not answer is asked again, not read as \"not on WhatsApp\"", async () => {
      w = await world();
      await linked(w);
      w.fake.numberChecksUnanswered = 1;
      expect(await w.transport.isOnWhatsApp(REFERRER, REFERRAL)).toBe(true);
      w.fake.notOnWhatsApp.add(REFERRAL.replace(/^\+/, ""));
      expect(await w.transport.isOnWhatsApp(REFERRER, REFERRAL)).toBe(false);
    });

    it("a null number check while WhatsApp Web's socket is down is an outage, not an invalid number", async () => {
      w = await world();
      await linked(w);
      w.fake.socketState = WAState.TIMEOUT;
      await expect(w.transport.isOnWhatsApp(REFERRER, REFERRAL)).rejects.toBeInstanceOf(TransportUnavailableError);
    });

    describe("restores of heavy accounts", () => {
      async function restoredAfterIdle(): Promise<void> {
        await linked(w);
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

    it("sweeps what a crashed process left in the data directory (unencrypted profiles, temp dirs, zips) and keeps it 0700", async () => {
      w = await world();
      // What RemoteAuth leaves behind a crash: the live profile, the restore's temp dir and a zip
      // (RemoteAuth.js:58, 134-180); only the next restore of the same referrer would delete its own.
      await chmod(w.dataPath, 0o755);
      await mkdir(join(w.dataPath, "RemoteAuth-someone-0123456789ab", "Default"), { recursive: true });
      await writeFile(join(w.dataPath, "RemoteAuth-someone-0123456789ab", "Default", "Cookies"), "secret");
      await mkdir(join(w.dataPath, "wwebjs_temp_session_someone-0123456789ab"));
      await writeFile(join(w.dataPath, "RemoteAuth-other-ba9876543210.zip"), "PK");
      await mkdir(join(w.dataPath, "web-version-cache"));
      await writeFile(join(w.dataPath, "web-version-cache", "2.3000.1.html"), "<html>");
      await linked(w);
      const left = await readdir(w.dataPath);
      expect(left.filter((name) => name.startsWith("RemoteAuth-") || name.startsWith("wwebjs_temp_session_") || name.endsWith(".zip"))).toEqual([]);
      expect(left).toContain("web-version-cache");
      expect((await stat(w.dataPath)).mode & 0o777).toBe(0o700);
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
        await linked(w);
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
        await linked(w);
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
