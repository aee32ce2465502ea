import { describe, expect, it } from "vitest";
import { SessionDrivenElsewhereError } from "@relance/core";
import { createMemoryStorage, createSessionCipher } from "../../../src/index.js";
import { CLOSED_BY_REFERRER_KEY, RestoreBlocks, closedByReferrer } from "../../../src/transports/session/restore-guard.js";

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

describe("RestoreBlocks: replaced or banned sessions are never restored on their own", () => {
  it.each(CASES)("%s", async (_, blocked, elsewhere, answer) => {
    const blocks = new RestoreBlocks("test");
    if (blocked) blocks.block("r");
    const pool = { heldElsewhere: async () => elsewhere };
    const outcome = await blocks.holds("r", pool).then(
      (held) => (held ? "leave alone" : "restore"),
      (error: unknown) => (error instanceof SessionDrivenElsewhereError ? "driven elsewhere" : String(error)),
    );
    expect(outcome).toBe(answer);
  });

  it("the referrer connecting lifts it", async () => {
    const blocks = new RestoreBlocks("test");
    blocks.block("r");
    blocks.lift("r");
    expect(blocks.has("r")).toBe(false);
    expect(await blocks.holds("r", { heldElsewhere: async () => false })).toBe(false);
  });
});
