import { describe, expect, it, vi } from "vitest";
import { DEFAULT_CONNECTION_CONFIG, DisconnectReason, initAuthCreds, type SignalKeyStoreWithTransaction } from "@whiskeysockets/baileys";
import { silentLogger } from "@relance/core";
import { ManualClock, createSessionCipher } from "../../src/index.js";
import { useStorageAuthState } from "../../src/transports/baileys/auth-state.js";
import { sessionIdOf } from "../../src/transports/baileys/index.js";
import { toBaileysLogger } from "../../src/transports/baileys/logger.js";
import { DEFAULT_BROWSER, LID_CACHE_MAX, socketConfig } from "../../src/transports/baileys/socket.js";
import { FakeWhatsApp } from "../../src/testing/fake-baileys-socket.js";
import { REFERRER, SECRET, linkStates, linked, settle, setup, until, type Setup } from "./support/baileys-harness.js";

// The lifecycle of a Baileys session on a live account (review round 2, B6-B8, X5): who may
// write the stored session, what a drop looks like to dispatch, how permanent failures back off,
// and how long a socket lives. Library behaviour faked here is cited in fake-baileys-socket.ts.

const LEASE = `baileys-session:${REFERRER}`;

async function storedCreds(s: Setup) {
  const auth = await useStorageAuthState({ sessions: s.storage.sessions, cipher: createSessionCipher({ secrets: [SECRET] }), sessionId: sessionIdOf(REFERRER) });
  return auth.state.creds;
}

/** Another driver of the same account stores creds that moved on (it uploaded pre-keys). */
async function anotherDriverAdvancesCreds(s: Setup, preKeyId: number): Promise<void> {
  const other = await useStorageAuthState({ sessions: s.storage.sessions, cipher: createSessionCipher({ secrets: [SECRET] }), sessionId: sessionIdOf(REFERRER) });
  other.state.creds.nextPreKeyId = preKeyId;
  other.state.creds.firstUnuploadedPreKeyId = preKeyId;
  await other.saveCreds();
  await other.flush();
}

describe("B6: a session that is no longer the account's driver never writes the stored session", () => {
  it("440 (replaced): neither its creds nor its late signal-key writes land over the new driver's (reproduction P6)", async () => {
    const s = await setup();
    const socket = await linked(s);
    await socket.uploadPreKeys();
    await settle();
    await anotherDriverAdvancesCreds(s, 9999);

    await socket.closeWith(DisconnectReason.connectionReplaced, "Stream Errored (conflict)");
    await until(() => s.transport.getState(REFERRER).status === "failed", "replaced");
    // The old socket is still winding down: Baileys may store keys from a message being decrypted.
    await socket.keys.set({ session: { "33699999999.0": Buffer.from("stale") } });
    await settle();

    expect((await storedCreds(s)).nextPreKeyId).toBe(9999);
    expect(await s.storage.sessions.get(sessionIdOf(REFERRER), ["session-33699999999.0"])).toEqual({});
    expect(s.transport.getState(REFERRER).reason).toBe("replaced by another connection");
  });

  it("a takeover by another process: its login ends ours with 440 (the server's conflict) and its later creds stay", async () => {
    const a = await setup();
    const socket = await linked(a);
    // Process b takes the session over (process a stalled and its lease ran out).
    await a.storage.leases.release(LEASE, "process-a");
    const b = await setup({ storage: a.storage, world: a.world, clock: a.clock, instanceId: "process-b" });
    expect(await b.transport.ensureReady(REFERRER)).toMatchObject({ status: "connected" });
    await until(() => a.transport.getState(REFERRER).status === "failed", "a replaced");
    const driver = a.world.current(REFERRER);
    expect(driver).not.toBe(socket);
    await driver.uploadPreKeys(7);
    await settle();
    await b.transport.close();
    const stored = (await storedCreds(a)).nextPreKeyId;
    expect(stored).toBe(driver.creds.nextPreKeyId);

    await a.transport.close();
    await settle();
    expect((await storedCreds(a)).nextPreKeyId).toBe(stored);
    expect(socket.creds.nextPreKeyId).toBeLessThan(stored);
  });

  it("lease taken by another process: the pool closes the session without writing its creds", async () => {
    const s = await setup({ maintenanceIntervalMs: 5 });
    const socket = await linked(s);
    await socket.uploadPreKeys();
    await settle();
    // Process a stalled past its lease; process b took the lease and stores newer creds.
    await s.storage.leases.release(LEASE, "process-a");
    expect(await s.storage.leases.acquire(LEASE, "process-b", s.clock.now(), 60_000)).toBe(true);
    await anotherDriverAdvancesCreds(s, 4242);

    await until(() => socket.isClosed, "closed by the pool's maintenance");
    await settle();
    expect((await storedCreds(s)).nextPreKeyId).toBe(4242);
    expect((await s.storage.leases.get(LEASE))?.owner).toBe("process-b");
  });

  it("a process that stalled past its lease: its next write reads the lease first and is dropped, creds and keys alike", async () => {
    const s = await setup(); // maintenance every 20 s of real time: it does not run during the test
    const socket = await linked(s);
    await s.storage.leases.release(LEASE, "process-a");
    expect(await s.storage.leases.acquire(LEASE, "process-b", s.clock.now(), 60_000)).toBe(true);
    await anotherDriverAdvancesCreds(s, 4242);
    s.clock.advance(61_000);

    // The stalled process wakes up: Baileys stores a session key and moves its pre-key counter.
    await socket.keys.set({ session: { "33699999999.0": Buffer.from("stale") } });
    await socket.uploadPreKeys();
    await settle();
    expect(await s.storage.sessions.get(sessionIdOf(REFERRER), ["session-33699999999.0"])).toEqual({});
    expect((await storedCreds(s)).nextPreKeyId).toBe(4242);
  });

  it("writes go on while the lease is ours, also long after it was taken (renewed by the pool)", async () => {
    const s = await setup();
    const socket = await linked(s);
    s.clock.advance(61_000);
    // Renewed as the pool's maintenance does it.
    expect(await s.storage.leases.acquire(LEASE, "process-a", s.clock.now(), 60_000)).toBe(true);
    await socket.keys.set({ session: { "33699999999.0": Buffer.from("fresh") } });
    await socket.uploadPreKeys(3);
    await settle();
    expect(Object.keys(await s.storage.sessions.get(sessionIdOf(REFERRER), ["session-33699999999.0"]))).toEqual(["session-33699999999.0"]);
    expect((await storedCreds(s)).nextPreKeyId).toBe(socket.creds.nextPreKeyId);
  });

  it("a close while the lease is still ours writes the creds as before (shutdown keeps the last pre-key ids)", async () => {
    const s = await setup();
    const socket = await linked(s);
    await socket.uploadPreKeys(9);
    const expected = socket.creds.nextPreKeyId;
    await s.transport.close();
    expect((await storedCreds(s)).nextPreKeyId).toBe(expected);
  });
});

describe("B7: a transient drop is `connecting`, not a sender down", () => {
  it("during the backoff wait the session is connecting, and ensureReady waits for the reconnect", async () => {
    const s = await setup();
    const socket = await linked(s);
    await socket.closeWith(DisconnectReason.connectionLost);
    await until(() => s.transport.getState(REFERRER).reason?.includes("reconnecting in 2 s") === true, "backoff");
    expect(s.transport.getState(REFERRER)).toMatchObject({ status: "connecting", reason: "connection lost (408); reconnecting in 2 s (attempt 1/8)" });

    let answer: unknown = null;
    const ready = s.transport.ensureReady(REFERRER).then((state) => (answer = state));
    await settle();
    expect(answer).toBeNull(); // still waiting: the reconnect is due on the clock
    s.clock.advance(2_000);
    await ready;
    expect(answer).toMatchObject({ status: "connected" });
  });

  it("a reconnect that does not come within readyTimeoutMs leaves ensureReady answering connecting (no link event says down)", async () => {
    const s = await setup({ readyTimeoutMs: 20 });
    const socket = await linked(s);
    await socket.closeWith(DisconnectReason.unavailableService);
    await until(() => s.transport.getState(REFERRER).status === "connecting", "backoff");
    expect(await s.transport.ensureReady(REFERRER)).toMatchObject({ status: "connecting" });
    expect(linkStates(s).slice(1).map((state) => state.status)).not.toContain("disconnected");
  });
});

describe("B8: a session that keeps failing backs off for hours, not one reconnect wave per run", () => {
  it("after a give-up, ensureReady leaves it alone for 15 min, then 30 min…, says when, and starts afresh once connected", async () => {
    const clock = new ManualClock("2026-01-05T10:00:00Z"); // moves on its own through the backoff waits
    const s = await setup({ clock, world: new FakeWhatsApp({ now: () => clock.now() }), reconnect: { maxAttempts: 2 } });
    const socket = await linked(s);
    s.world.refuseConnections = DisconnectReason.badSession;
    await socket.closeWith(DisconnectReason.badSession);
    await until(() => s.transport.getState(REFERRER).status === "failed", "gave up");
    await settle();
    const afterFirstWave = s.world.socketsOf(REFERRER).length;
    expect(afterFirstWave).toBe(2 + 2);
    expect(s.transport.getState(REFERRER).reason).toMatch(/^could not connect after 2 attempts \(last: bad session \(500\)\); next try in 15 min \(at /);

    // Every dispatch minute and listen run asks again: no new socket during the cooldown.
    for (let minute = 0; minute < 14; minute++) {
      expect(await s.transport.ensureReady(REFERRER)).toMatchObject({ status: "failed", reason: expect.stringMatching(/next try in 15 min/) });
      clock.advance(60_000);
    }
    expect(s.world.socketsOf(REFERRER)).toHaveLength(afterFirstWave);

    // Cooldown over: one more wave, which fails too; the next pause is twice as long.
    clock.advance(60_000);
    expect(await s.transport.ensureReady(REFERRER)).toMatchObject({ status: "failed" });
    await until(() => /next try in 30 min/.test(s.transport.getState(REFERRER).reason ?? ""), "second give-up");
    const afterSecondWave = s.world.socketsOf(REFERRER).length;
    expect(afterSecondWave).toBeGreaterThan(afterFirstWave);
    clock.advance(29 * 60_000);
    expect(await s.transport.ensureReady(REFERRER)).toMatchObject({ status: "failed" });
    expect(s.world.socketsOf(REFERRER)).toHaveLength(afterSecondWave);

    // WhatsApp takes it again: the next restore connects, and the count starts afresh.
    s.world.refuseConnections = null;
    clock.advance(60_000);
    expect(await s.transport.ensureReady(REFERRER)).toMatchObject({ status: "connected" });
    s.world.refuseConnections = DisconnectReason.badSession;
    await s.world.current(REFERRER).closeWith(DisconnectReason.badSession);
    await until(() => /next try in 15 min/.test(s.transport.getState(REFERRER).reason ?? ""), "first give-up again");
  });

  it("the referrer connecting lifts the pause at once", async () => {
    const clock = new ManualClock("2026-01-05T10:00:00Z");
    const s = await setup({ clock, world: new FakeWhatsApp({ now: () => clock.now() }), reconnect: { maxAttempts: 1 } });
    const socket = await linked(s);
    s.world.refuseConnections = DisconnectReason.badSession;
    await socket.closeWith(DisconnectReason.badSession);
    await until(() => s.transport.getState(REFERRER).status === "failed", "gave up");
    await settle();
    s.world.refuseConnections = null;
    expect(await s.transport.connect(REFERRER, { method: "qr" })).toMatchObject({ status: "connected" });
  });
});

describe("X5: long-lived sockets are renewed, and Baileys' LID cache is bounded", () => {
  it("a socket open for a day is replaced by the next ensureReady: same auth, connected again, no reconnect backoff", async () => {
    const s = await setup();
    const first = await linked(s);
    s.clock.advance(23 * 60 * 60_000);
    expect(await s.transport.ensureReady(REFERRER)).toMatchObject({ status: "connected" });
    expect(s.world.socketsOf(REFERRER)).toHaveLength(2);

    s.clock.advance(60 * 60_000);
    expect(await s.transport.ensureReady(REFERRER)).toMatchObject({ status: "connected" });
    const sockets = s.world.socketsOf(REFERRER);
    expect(sockets).toHaveLength(3);
    expect(first.isClosed).toBe(true);
    expect(first.endCalls).toEqual([undefined]);
    expect(sockets[2]!.creds).toBe(first.creds);
    expect(s.clock.sleeps).toEqual([]);
    expect(linkStates(s).slice(-2)).toEqual([
      expect.objectContaining({ status: "connecting", reason: "renewing a long-lived connection" }),
      expect.objectContaining({ status: "connected" }),
    ]);
  });

  it("a socket that sent within the last two minutes is not renewed yet", async () => {
    const s = await setup({ socketMaxAgeMs: 60 * 60_000 });
    await linked(s);
    s.clock.advance(60 * 60_000);
    await s.transport.send(REFERRER, { to: "+33611111111", text: "Bonjour", media: [], language: "fr" }, { idempotencyKey: "k1", targetId: "t1", day: 1 });
    s.clock.advance(60_000);
    expect(await s.transport.ensureReady(REFERRER)).toMatchObject({ status: "connected" });
    expect(s.world.socketsOf(REFERRER)).toHaveLength(2);
    s.clock.advance(60_000);
    expect(await s.transport.ensureReady(REFERRER)).toMatchObject({ status: "connected" });
    expect(s.world.socketsOf(REFERRER)).toHaveLength(3);
  });

  it("the LID store of each socket keeps at most LID_CACHE_MAX entries and arms no timer; Baileys' default arms one per entry", async () => {
    const logger = toBaileysLogger(silentLogger, "silent");
    const memoryKeys = () => {
      const stored = new Map<string, unknown>();
      const keys = {
        get: async (type: string, ids: string[]) => Object.fromEntries(ids.flatMap((id) => (stored.has(`${type}/${id}`) ? [[id, stored.get(`${type}/${id}`)]] : []))),
        set: async (data: Record<string, Record<string, unknown>>) => {
          for (const [type, entries] of Object.entries(data)) for (const [id, value] of Object.entries(entries)) stored.set(`${type}/${id}`, value);
        },
        transaction: async <T>(work: () => Promise<T>) => work(),
        isInTransaction: () => false,
      };
      return keys as unknown as SignalKeyStoreWithTransaction;
    };
    const pairs = Array.from({ length: LID_CACHE_MAX }, (_, i) => ({ lid: `${100_000 + i}@lid`, pn: `336${String(i).padStart(8, "0")}@s.whatsapp.net` }));
    const config = socketConfig({ creds: initAuthCreds(), keys: memoryKeys() }, logger, DEFAULT_BROWSER, { getMessage: async () => undefined });
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    try {
      const ours = config.makeSignalRepository!({ creds: initAuthCreds(), keys: memoryKeys() }, logger);
      await ours.lidMapping.storeLIDPNMappings(pairs);
      expect(vi.getTimerCount()).toBe(0);
      expect((ours.lidMapping as unknown as { mappingCache: { size: number } }).mappingCache.size).toBe(LID_CACHE_MAX);
      // What left the cache is read back from the signal keys (lib/Signal/lid-mapping.js:247-257).
      expect(await ours.lidMapping.getPNForLID("100000@lid")).toMatch(/^33600000000(:0)?@s\.whatsapp\.net$/);

      const theirs = DEFAULT_CONNECTION_CONFIG.makeSignalRepository({ creds: initAuthCreds(), keys: memoryKeys() }, logger);
      await theirs.lidMapping.storeLIDPNMappings(pairs.slice(0, 10));
      expect(vi.getTimerCount()).toBe(20); // lru-cache's ttlAutopurge: one timer per entry, no max
    } finally {
      vi.useRealTimers();
    }
  });
});
