import { describe, expect, it } from "vitest";
import { BufferJSON } from "@whiskeysockets/baileys";
import { SessionCryptoError, createMemoryStorage, createSessionCipher } from "../../../src/index.js";
import { encryptedEntries } from "../../../src/transports/session/encrypted-entries.js";

const cipher = createSessionCipher({ secrets: ["a-test-secret-of-32-characters!!"] });

async function sessions() {
  const storage = createMemoryStorage();
  await storage.init();
  return storage.sessions;
}

// The values both drivers keep beside a session: [case, value written, value read back].
const CASES: Array<[string, unknown, unknown]> = [
  ["an object", { "+33611111111": { jid: "33611111111@s.whatsapp.net" } }, { "+33611111111": { jid: "33611111111@s.whatsapp.net" } }],
  ["a list", [{ lid: "1@lid", text: "STOP", at: 1 }], [{ lid: "1@lid", text: "STOP", at: 1 }]],
  ["a string", "2026-01-05T10:00:00.000Z", "2026-01-05T10:00:00.000Z"],
  ["a number", 42, 42],
];

describe("encrypted session entries (both drivers)", () => {
  it.each(CASES)("%s round-trips, encrypted at rest", async (_, value, expected) => {
    const repo = await sessions();
    const entries = encryptedEntries(repo, cipher, "wwebjs:r");
    await entries.write({ k: value });
    expect((await entries.read(["k"])).get("k")).toEqual(expected);
    const raw = (await repo.get("wwebjs:r", ["k"])).k!;
    expect(raw).toMatch(/^v1\./);
    expect(raw).not.toContain("STOP");
  });

  it("null or undefined deletes; absent keys are absent; no keys reads nothing", async () => {
    const repo = await sessions();
    const entries = encryptedEntries(repo, cipher, "s");
    await entries.write({ a: 1, b: 2 });
    await entries.write({ a: null, b: undefined });
    expect(await repo.get("s", ["a", "b"])).toEqual({});
    expect((await entries.read(["a", "missing"])).size).toBe(0);
    expect((await entries.read([])).size).toBe(0);
  });

  it("a blob copied under another key or session does not decrypt (AAD), with the key named", async () => {
    const repo = await sessions();
    await encryptedEntries(repo, cipher, "s").write({ a: "secret" });
    const blob = (await repo.get("s", ["a"])).a!;
    await repo.set("s", { b: blob });
    await repo.set("other", { a: blob });
    await expect(encryptedEntries(repo, cipher, "s").read(["b"])).rejects.toThrow(/Cannot decrypt "b" of WhatsApp session s/);
    await expect(encryptedEntries(repo, cipher, "other").read(["a"])).rejects.toBeInstanceOf(SessionCryptoError);
  });

  it("applies the driver's codec (Baileys' BufferJSON keeps bytes as Buffers)", async () => {
    const repo = await sessions();
    const entries = encryptedEntries(repo, cipher, "baileys:r", { replacer: BufferJSON.replacer, reviver: BufferJSON.reviver });
    await entries.write({ key: { private: Buffer.from([1, 2, 3]) } });
    const read = (await entries.read<{ private: Buffer }>(["key"])).get("key")!;
    expect(Buffer.isBuffer(read.private)).toBe(true);
    expect([...read.private]).toEqual([1, 2, 3]);
  });
});
