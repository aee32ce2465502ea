import { describe, expect, it } from "vitest";
import { SessionDrivenElsewhereError } from "@relance/core";
import { createMemoryStorage, createSessionCipher } from "../../../src/index.js";
import { CLOSED_BY_REFERRER_KEY, RESTORE_BLOCKED_KEY, RestoreBlocks, closedByReferrer } from "../../../src/transports/session/restore-guard.js";

const cipher = createSessionCipher({ secrets: ["a-test-secret-of-32-characters!!"] });

describe("closed by the referrer: the marker both drivers store", () => {
  it("is set encrypted with the session id as AAD, read by presence, and cleared", async () => {
    const storage = createMemoryStorage();
    await storage.init();
    const marker = closedByReferrer(storage.sessions, cipher, "wwebjs:r");
    expect(await marker.isSet()).toBe(false);
    await marker.set(new Date("2026-01-05T10:00:00Z"));
    expect(await marker.isSet()).toBe(true);
    const raw = (await storage.sessions.get("wwebjs:r", [CLOSED_BY_REFERRER_KEY]))[CLOSED_BY_REFERRER_KEY]!;
    expect(raw).not.toContain("2026");
    expect(cipher.decrypt(raw, { aad: JSON.stringify(["wwebjs:r", CLOSED_BY_REFERRER_KEY]) }).plaintext).toBe("2026-01-05T10:00:00.000Z");
    expect(() => cipher.decrypt(raw, { aad: JSON.stringify(["baileys:r", CLOSED_BY_REFERRER_KEY]) })).toThrow();
    // Another session's marker is its own.
    expect(await closedByReferrer(storage.sessions, cipher, "wwebjs:other").isSet()).toBe(false);
    await marker.clear();
    expect(await marker.isSet()).toBe(false);
  });
});

// [case, blocked?, lease held by another process?, ensureReady's answer]
const CASES: Array<[string, boolean, boolean, "restore" | "leave alone" | "driven elsewhere"]> = [
  ["never blocked", false, false, "restore"],
  ["never blocked, lease elsewhere (the pool answers that)", false, true, "restore"],
  ["replaced or banned, lease free", true, false, "leave alone"],
  ["replaced by another process of ours (it holds the lease)", true, true, "driven elsewhere"],
];

const free = { heldElsewhere: async () => false };
const taken = { heldElsewhere: async () => true };
const AT = new Date("2026-01-05T10:00:00Z");

describe("RestoreBlocks: replaced or banned sessions are never restored on their own", () => {
  it.each(CASES)("%s", async (_, blocked, elsewhere, answer) => {
    const blocks = new RestoreBlocks("test");
    if (blocked) await blocks.block("r", "replaced by another connection", { scope: "process", pool: free, at: AT });
    const pool = { heldElsewhere: async () => elsewhere };
    const outcome = await blocks.holds("r", pool).then(
      (held) => (held !== null ? "leave alone" : "restore"),
      (error: unknown) => (error instanceof SessionDrivenElsewhereError ? "driven elsewhere" : String(error)),
    );
    expect(outcome).toBe(answer);
  });

  it("the referrer connecting lifts it", async () => {
    const blocks = new RestoreBlocks("test");
    await blocks.block("r", "banned", { scope: "process", pool: free, at: AT });
    await blocks.lift("r");
    expect(blocks.has("r")).toBe(false);
    expect(await blocks.holds("r", free)).toBeNull();
  });
});

describe("RestoreBlocks stored with the session: another instance, or a restart, refuses too", () => {
  async function stored() {
    const storage = createMemoryStorage();
    await storage.init();
    await storage.sessions.set("test:r", { creds: "x" });
    const store = { sessions: storage.sessions, cipher, sessionIdOf: (id: string) => `test:${id}` };
    return { storage, store };
  }

  it("is stored encrypted (session id and key as AAD), and read by a process that never saw it", async () => {
    const { storage, store } = await stored();
    await new RestoreBlocks("test", store).block("r", "replaced by another connection", { scope: "session", pool: free, at: AT });
    const raw = (await storage.sessions.get("test:r", [RESTORE_BLOCKED_KEY]))[RESTORE_BLOCKED_KEY]!;
    expect(raw).not.toContain("replaced");
    expect(JSON.parse(cipher.decrypt(raw, { aad: JSON.stringify(["test:r", RESTORE_BLOCKED_KEY]) }).plaintext)).toEqual({ reason: "replaced by another connection", at: AT.toISOString() });

    const other = new RestoreBlocks("test", store);
    expect(other.has("r")).toBe(false);
    expect(await other.holds("r", free)).toBe("replaced by another connection");
    // Another process of ours holding the lease drives the session now.
    await expect(other.holds("r", taken)).rejects.toBeInstanceOf(SessionDrivenElsewhereError);
  });

  it("is lifted in storage by the referrer's connect, for every process", async () => {
    const { store } = await stored();
    await new RestoreBlocks("test", store).block("r", "banned", { scope: "session", pool: free, at: AT });
    await new RestoreBlocks("test", store).lift("r");
    expect(await new RestoreBlocks("test", store).holds("r", free)).toBeNull();
  });

  it("is not stored for a takeover by another process of ours (it holds the lease), nor for a block of this process's own making", async () => {
    const { storage, store } = await stored();
    const blocks = new RestoreBlocks("test", store);
    await blocks.block("r", "replaced by another connection", { scope: "session", pool: taken, at: AT });
    await blocks.block("r", "no WhatsApp Web build left", { scope: "process", pool: free, at: AT });
    expect(blocks.has("r")).toBe(true);
    expect((await storage.sessions.get("test:r", [RESTORE_BLOCKED_KEY]))[RESTORE_BLOCKED_KEY]).toBeUndefined();
    expect(await new RestoreBlocks("test", store).holds("r", free)).toBeNull();
  });

  it("lifting a block of a session that is not stored creates nothing", async () => {
    const { storage, store } = await stored();
    await new RestoreBlocks("test", store).lift("nobody");
    expect(await storage.sessions.exists("test:nobody")).toBe(false);
  });
});
