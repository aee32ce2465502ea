import { describe, expect, it } from "vitest";
import { SessionDrivenElsewhereError, silentLogger, type LinkState } from "@relance/core";
import { ManualClock, createMemoryStorage, createSessionCipher } from "../../../src/index.js";
import { LinkRegistry } from "../../../src/transports/session/link-registry.js";
import { RestoreBlocks, closedByReferrer } from "../../../src/transports/session/restore-guard.js";
import { closedByReferrerState, disconnectByReferrer, type DisconnectDriver } from "../../../src/transports/session/referrer-disconnect.js";

const cipher = createSessionCipher({ secrets: ["a-test-secret-of-32-characters!!"] });
const R = "referrer-1";
const SESSION = "test:referrer-1";

interface FakeSession {
  phone: string;
}

/** A driver over memory storage that records what its library was asked to do. */
async function world(options: { running?: boolean; stored?: boolean; restore?: "ok" | "nothing" | "fails" | "elsewhere"; endsWhileStarting?: boolean } = {}) {
  const storage = createMemoryStorage();
  await storage.init();
  const clock = new ManualClock("2026-01-05T10:00:00Z", { autoAdvance: false });
  const links = new LinkRegistry(clock, silentLogger);
  const blocks = new RestoreBlocks("test");
  const calls: string[] = [];
  if (options.stored || options.running) await storage.sessions.set(SESSION, { creds: "x" });
  let running: FakeSession | null = options.running ? { phone: "+33600000001" } : null;
  const driver: DisconnectDriver<FakeSession> = {
    transport: "test",
    sessions: storage.sessions,
    cipher,
    clock,
    logger: silentLogger,
    links,
    blocks,
    sessionIdOf: () => SESSION,
    running: () => running,
    settle: async (session) => (options.endsWhileStarting ? null : session),
    stored: async () => storage.sessions.exists(SESSION),
    restore: async () => {
      calls.push("restore");
      if (options.restore === "fails") throw new Error("no connection");
      if (options.restore === "elsewhere") throw new SessionDrivenElsewhereError("another process");
      return options.restore === "nothing" ? null : { phone: "+33600000001" };
    },
    phoneOf: (session) => session.phone as LinkState["phone"],
    close: async () => {
      calls.push("close");
      running = null;
    },
    logOut: async () => {
      calls.push("logout");
      running = null;
    },
  };
  return { storage, links, blocks, calls, driver };
}

describe("the referrer's disconnect (session/referrer-disconnect.ts), both drivers", () => {
  it("without logout: marks the session closed by the referrer before closing it, and keeps it", async () => {
    const w = await world({ running: true });
    expect(await disconnectByReferrer(w.driver, R, { logout: false })).toEqual({ status: "disconnected", phone: "+33600000001", reason: "disconnected by the referrer" });
    expect(w.calls).toEqual(["close"]);
    expect(await closedByReferrer(w.storage.sessions, cipher, SESSION).isSet()).toBe(true);
    expect(await w.storage.sessions.exists(SESSION)).toBe(true);
    expect(closedByReferrerState(w.links, R)).toEqual({ status: "disconnected", phone: "+33600000001", reason: "disconnected by the referrer" });
  });

  it("without logout and with nothing stored: no marker is written (it would create a session)", async () => {
    const w = await world();
    expect((await disconnectByReferrer(w.driver, R, { logout: false })).status).toBe("disconnected");
    expect(await w.storage.sessions.exists(SESSION)).toBe(false);
  });

  it.each([
    ["running here", { running: true }, ["logout"]],
    ["stored only: restored to log out", { stored: true, restore: "ok" as const }, ["restore", "logout"]],
    ["stored, the restore fails: deleted anyway", { stored: true, restore: "fails" as const }, ["restore"]],
    ["stored, nothing linked to restore", { stored: true, restore: "nothing" as const }, ["restore"]],
    ["a session that ended while starting: restored to log out", { running: true, endsWhileStarting: true, restore: "ok" as const }, ["restore", "logout"]],
    ["nothing at all", {}, []],
  ])("with logout (%s): unlinks what it can, deletes the stored session, lifts the restore block", async (_, options, calls) => {
    const w = await world(options);
    await w.blocks.block(R, "replaced by another connection", { scope: "process", pool: { heldElsewhere: async () => false }, at: new Date() });
    expect(await disconnectByReferrer(w.driver, R, { logout: true })).toEqual({ status: "logged_out", phone: null, reason: "logged out by the referrer" });
    expect(w.calls).toEqual(calls);
    expect(await w.storage.sessions.exists(SESSION)).toBe(false);
    expect(w.blocks.has(R)).toBe(false);
  });

  it("with logout: a session another process drives is left to it", async () => {
    const w = await world({ stored: true, restore: "elsewhere" });
    await expect(disconnectByReferrer(w.driver, R, { logout: true })).rejects.toBeInstanceOf(SessionDrivenElsewhereError);
    expect(await w.storage.sessions.exists(SESSION)).toBe(true);
  });
});
