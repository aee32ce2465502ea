import { BufferJSON, initAuthCreds, proto } from "@whiskeysockets/baileys";
import type { SessionRepository } from "../../src/ports/index.js";
import { describe, expect, it } from "vitest";
import { SessionCryptoError, createSessionCipher } from "../../src/crypto/session-cipher.js";
import { useStorageAuthState } from "../../src/transports/baileys/auth-state.js";

const CURRENT = "current-secret-0123456789abcdef";
const OLD = "previous-secret-fedcba9876543210";
const SESSION = "referrer-42";

/** Minimal Map-based repository that counts calls (the real adapters have their own suite). */
class CountingSessionRepository implements SessionRepository {
  readonly data = new Map<string, Map<string, string>>();
  readonly calls = { get: 0, set: 0, clear: 0, exists: 0 };

  async get(sessionId: string, keys: readonly string[]): Promise<Record<string, string>> {
    this.calls.get += 1;
    const session = this.data.get(sessionId);
    const found: Record<string, string> = {};
    for (const key of keys) {
      const value = session?.get(key);
      if (value !== undefined) found[key] = value;
    }
    return found;
  }

  async set(sessionId: string, entries: Record<string, string | null>): Promise<void> {
    this.calls.set += 1;
    const session = this.data.get(sessionId) ?? new Map<string, string>();
    for (const [key, value] of Object.entries(entries)) {
      if (value === null) session.delete(key);
      else session.set(key, value);
    }
    this.data.set(sessionId, session);
  }

  async clear(sessionId: string): Promise<void> {
    this.calls.clear += 1;
    this.data.delete(sessionId);
  }

  async scan(): Promise<never[]> {
    return [];
  }

  async replaceIf(): Promise<boolean> {
    return false;
  }

  async exists(sessionId: string): Promise<boolean> {
    this.calls.exists += 1;
    return (this.data.get(sessionId)?.size ?? 0) > 0;
  }

  raw(sessionId: string, key: string): string | undefined {
    return this.data.get(sessionId)?.get(key);
  }

  resetCalls(): void {
    Object.assign(this.calls, { get: 0, set: 0, clear: 0, exists: 0 });
  }
}

function setup(secrets: string[] = [CURRENT]) {
  const sessions = new CountingSessionRepository();
  const cipher = createSessionCipher({ secrets });
  const open = (sessionId = SESSION, withCipher = cipher) =>
    useStorageAuthState({ sessions, cipher: withCipher, sessionId });
  return { sessions, cipher, open };
}

/** The value stored encrypted under `key`, decrypted as the auth state reads it back. */
function stored(sessions: CountingSessionRepository, key: string, secrets: string[] = [CURRENT]): unknown {
  const blob = sessions.raw(SESSION, key);
  if (blob === undefined) return undefined;
  const { plaintext } = createSessionCipher({ secrets }).decrypt(blob, { aad: JSON.stringify([SESSION, key]) });
  return JSON.parse(plaintext, BufferJSON.reviver);
}

function keyPair(fill: number) {
  return { public: Buffer.alloc(32, fill), private: Buffer.alloc(32, fill + 1) };
}

describe("Baileys auth state in the session repository", () => {
  it("starts from fresh creds made by initAuthCreds", async () => {
    const { open, sessions } = setup();
    const { state } = await open();
    const fresh = initAuthCreds();
    expect(Object.keys(state.creds).sort()).toEqual(Object.keys(fresh).sort());
    expect(state.creds.registered).toBe(false);
    expect(Buffer.isBuffer(state.creds.noiseKey.private)).toBe(true);
    expect(await sessions.exists(SESSION)).toBe(false);
  });

  it("keeps creds, Buffers included, across a process restart", async () => {
    const { open, sessions } = setup();
    const first = await open();
    Object.assign(first.state.creds, {
      registered: true,
      me: { id: "33612345678:1@s.whatsapp.net", name: "Referrer" },
      routingInfo: Buffer.from([1, 2, 3, 250]),
      accountSyncCounter: 3,
    });
    await first.saveCreds();

    const restarted = await open();
    const creds = restarted.state.creds;
    expect(creds).toEqual(first.state.creds);
    expect(creds).not.toBe(first.state.creds);
    expect(Buffer.isBuffer(creds.noiseKey.private)).toBe(true);
    expect(Buffer.compare(Buffer.from(creds.noiseKey.private), Buffer.from(first.state.creds.noiseKey.private))).toBe(0);
    expect(Buffer.isBuffer(creds.signedPreKey.signature)).toBe(true);
    expect(creds.routingInfo).toEqual(Buffer.from([1, 2, 3, 250]));
    expect(creds.me?.id).toBe("33612345678:1@s.whatsapp.net");
    expect(stored(sessions, "creds")).toEqual(first.state.creds);
  });

  it("round-trips signal keys of several types", async () => {
    const { open } = setup();
    const { state } = await open();
    const syncKey = proto.Message.AppStateSyncKeyData.fromObject({
      keyData: Buffer.alloc(32, 7),
      fingerprint: { rawId: 5, currentIndex: 2, deviceIndexes: [0, 1] },
      timestamp: 1_700_000_000,
    });
    await state.keys.set({
      "pre-key": { "1": keyPair(1), "2": keyPair(3) },
      session: { "33612345678.0": Buffer.from("session-record") },
      "sender-key-memory": { "group@g.us": { "33612345678:1@s.whatsapp.net": true } },
      "app-state-sync-key": { AAAAAQ: syncKey },
      "lid-mapping": { "33612345678": "123456789@lid" },
      "device-list": { "33612345678": ["0", "1"] },
    });

    const restarted = await open();
    const preKeys = await restarted.state.keys.get("pre-key", ["1", "2"]);
    expect(preKeys["1"]).toEqual(keyPair(1));
    expect(Buffer.isBuffer(preKeys["2"]?.private)).toBe(true);
    expect(preKeys["2"]?.private).toEqual(Buffer.alloc(32, 4));

    const sessionRecord = (await restarted.state.keys.get("session", ["33612345678.0"]))["33612345678.0"];
    expect(Buffer.from(sessionRecord ?? []).toString()).toBe("session-record");

    const { AAAAAQ: appStateKey } = await restarted.state.keys.get("app-state-sync-key", ["AAAAAQ"]);
    expect(appStateKey).toBeInstanceOf(proto.Message.AppStateSyncKeyData);
    expect(Buffer.from(appStateKey?.keyData ?? [])).toEqual(Buffer.alloc(32, 7));
    expect(appStateKey?.fingerprint?.deviceIndexes).toEqual([0, 1]);
    expect(Number(appStateKey?.timestamp)).toBe(1_700_000_000);

    expect(await restarted.state.keys.get("sender-key-memory", ["group@g.us"])).toEqual({
      "group@g.us": { "33612345678:1@s.whatsapp.net": true },
    });
    expect(await restarted.state.keys.get("lid-mapping", ["33612345678"])).toEqual({ "33612345678": "123456789@lid" });
    expect(await restarted.state.keys.get("device-list", ["33612345678"])).toEqual({ "33612345678": ["0", "1"] });
  });

  it("deletes keys set to null and reports unknown ids as null", async () => {
    const { open, sessions } = setup();
    const { state } = await open();
    await state.keys.set({ "pre-key": { "1": keyPair(1), "2": keyPair(2) } });
    await state.keys.set({ "pre-key": { "1": null } });

    expect(await state.keys.get("pre-key", ["1", "2", "3"])).toEqual({ "1": null, "2": keyPair(2), "3": null });
    expect(sessions.raw(SESSION, "pre-key-1")).toBeUndefined();
    expect(stored(sessions, "pre-key-2")).toEqual(keyPair(2));
  });

  it("stores only encrypted values", async () => {
    const { open, sessions } = setup();
    const { state, saveCreds } = await open();
    await saveCreds();
    await state.keys.set({ "pre-key": { "9": keyPair(9) } });

    const creds = sessions.raw(SESSION, "creds") ?? "";
    const preKey = sessions.raw(SESSION, "pre-key-9") ?? "";
    expect(creds).toMatch(/^v1\./);
    expect(preKey).toMatch(/^v1\./);
    expect(creds).not.toContain("noiseKey");
    expect(creds).not.toContain(Buffer.from(state.creds.noiseKey.private).toString("base64"));
    expect(preKey).not.toContain("private");
    expect(JSON.stringify(state.creds, BufferJSON.replacer)).toContain("noiseKey");
  });

  it("refuses a blob copied from another session, or to another entry", async () => {
    const { open, sessions } = setup();
    const other = await open("referrer-7");
    await other.saveCreds();
    await other.state.keys.set({ "pre-key": { "1": keyPair(1) } });
    await sessions.set(SESSION, {
      creds: sessions.raw("referrer-7", "creds") ?? null,
    });
    await expect(open()).rejects.toThrow(SessionCryptoError);

    await sessions.clear(SESSION);
    const mine = await open();
    await sessions.set(SESSION, { "pre-key-2": sessions.raw("referrer-7", "pre-key-1") ?? null });
    const error = await Promise.resolve(mine.state.keys.get("pre-key", ["2"])).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SessionCryptoError);
    expect((error as Error).message).toMatch(/Cannot decrypt "pre-key-2" of WhatsApp session referrer-42/);
  });

  it("refuses data encrypted with an unknown secret", async () => {
    const { open, sessions } = setup();
    await (await open()).saveCreds();
    const stranger = createSessionCipher({ secrets: ["someone-elses-secret-000000"] });
    await expect(useStorageAuthState({ sessions, cipher: stranger, sessionId: SESSION })).rejects.toThrow(
      /not among the configured session secrets/,
    );
  });

  it("re-encrypts entries read with an old key", async () => {
    const { open, sessions } = setup([OLD]);
    const before = await open();
    await before.saveCreds();
    await before.state.keys.set({ "pre-key": { "1": keyPair(1), "2": keyPair(2) } });
    const oldCreds = sessions.raw(SESSION, "creds");
    const oldPreKey = sessions.raw(SESSION, "pre-key-1");

    const rotating = createSessionCipher({ secrets: [CURRENT, OLD] });
    const after = await open(SESSION, rotating);
    expect(sessions.raw(SESSION, "creds")).not.toBe(oldCreds);
    sessions.resetCalls();
    expect((await after.state.keys.get("pre-key", ["1", "2"]))["1"]).toEqual(keyPair(1));
    expect(sessions.calls).toMatchObject({ get: 1, set: 1 });
    expect(sessions.raw(SESSION, "pre-key-1")).not.toBe(oldPreKey);

    // A second read finds current-key blobs: nothing left to rewrite.
    sessions.resetCalls();
    await after.state.keys.get("pre-key", ["1", "2"]);
    expect(sessions.calls).toMatchObject({ get: 1, set: 0 });

    const newOnly = createSessionCipher({ secrets: [CURRENT] });
    const restarted = await open(SESSION, newOnly);
    expect(restarted.state.creds).toEqual(before.state.creds);
    expect(await restarted.state.keys.get("pre-key", ["1", "2"])).toEqual({ "1": keyPair(1), "2": keyPair(2) });
  });

  it("does not let a rotation overwrite a newer write", async () => {
    const { open, sessions } = setup([OLD]);
    await (await open()).state.keys.set({ "pre-key": { "1": keyPair(1) } });
    const { state } = await open(SESSION, createSessionCipher({ secrets: [CURRENT, OLD] }));

    const read = state.keys.get("pre-key", ["1"]);
    const write = state.keys.set({ "pre-key": { "1": keyPair(50) } });
    await Promise.all([read, write]);

    const latest = await state.keys.get("pre-key", ["1"]);
    expect(latest["1"]).toEqual(keyPair(50));
    expect(stored(sessions, "pre-key-1", [CURRENT, OLD])).toEqual(keyPair(50));
  });

  it("batches a whole keys.set and keys.get into one repository call each", async () => {
    const { open, sessions } = setup();
    const { state } = await open();
    sessions.resetCalls();

    await state.keys.set({
      "pre-key": { "1": keyPair(1), "2": keyPair(2), "3": null },
      session: { "a.0": Buffer.from("a"), "b.0": Buffer.from("b") },
      "sender-key": { "group@g.us::a::0": Buffer.from("s") },
    });
    expect(sessions.calls).toEqual({ get: 0, set: 1, clear: 0, exists: 0 });

    await state.keys.get("pre-key", ["1", "2", "3", "4"]);
    await state.keys.get("session", ["a.0", "b.0"]);
    expect(sessions.calls).toEqual({ get: 2, set: 1, clear: 0, exists: 0 });

    await state.keys.get("pre-key", []);
    await state.keys.set({});
    expect(sessions.calls).toEqual({ get: 2, set: 1, clear: 0, exists: 0 });
  });

  it("clear removes everything stored for the session", async () => {
    const { open, sessions } = setup();
    const { state, saveCreds, clear } = await open();
    await saveCreds();
    await state.keys.set({ "pre-key": { "1": keyPair(1) } });
    await clear();
    expect(await sessions.exists(SESSION)).toBe(false);
    const reopened = await open();
    expect(reopened.state.creds.noiseKey.private).not.toEqual(state.creds.noiseKey.private);
  });
});
