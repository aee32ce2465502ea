import { describe, expect, it } from "vitest";
import { createMemoryStorage, createSessionCipher, reencryptSessions } from "../../src/index.js";

const OLD = "old-secret-of-at-least-32-characters!";
const NEW = "new-secret-of-at-least-32-characters!";
const aad = (sessionId: string, key: string) => ({ aad: JSON.stringify([sessionId, key]) });

describe("security 12: re-encrypting every stored session so an old secret can be retired", () => {
  it("moves every blob on the old key to the current one, and reports what is left", async () => {
    const storage = createMemoryStorage();
    await storage.init();
    const before = createSessionCipher({ secrets: [OLD] });
    for (let s = 0; s < 3; s++) {
      for (let k = 0; k < 4; k++) await storage.sessions.set(`baileys:r${s}`, { [`key-${k}`]: before.encrypt(`secret ${s}/${k}`, aad(`baileys:r${s}`, `key-${k}`)) });
    }
    const rotated = createSessionCipher({ secrets: [NEW, OLD] });
    const report = await reencryptSessions(storage.sessions, rotated, { batchSize: 5 });
    expect(report).toEqual({ blobs: 12, reencrypted: 12, byKey: { [rotated.currentKeyId]: 12 }, onOldKeys: 0 });
    // The old secret can go: every blob reads with the new one alone.
    const only = createSessionCipher({ secrets: [NEW] });
    const value = (await storage.sessions.get("baileys:r2", ["key-3"]))["key-3"]!;
    expect(only.decrypt(value, aad("baileys:r2", "key-3"))).toEqual({ plaintext: "secret 2/3", needsReencrypt: false });
    // A second run has nothing to do.
    expect(await reencryptSessions(storage.sessions, rotated)).toMatchObject({ blobs: 12, reencrypted: 0, onOldKeys: 0 });
  });

  it("counts blobs it cannot move (their secret no longer configured) as still on an old key", async () => {
    const storage = createMemoryStorage();
    await storage.init();
    const lost = createSessionCipher({ secrets: ["a-secret-nobody-configured-anymore!!"] });
    await storage.sessions.set("s", { k: lost.encrypt("x", aad("s", "k")), plain: "not a blob" });
    const current = createSessionCipher({ secrets: [NEW] });
    const report = await reencryptSessions(storage.sessions, current);
    expect(report).toMatchObject({ blobs: 1, reencrypted: 0, onOldKeys: 1 });
    expect(report.byKey[current.currentKeyId]).toBeUndefined();
  });
});
