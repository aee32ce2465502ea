import { describe, expect, it } from "vitest";
import { DisconnectReason } from "@whiskeysockets/baileys";
import { createSessionCipher } from "../../src/index.js";
import { useStorageAuthState } from "../../src/transports/baileys/auth-state.js";
import { sessionIdOf } from "../../src/transports/baileys/index.js";
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
