import { BufferJSON, initAuthCreds, proto } from "@whiskeysockets/baileys";
import type {
  AuthenticationCreds,
  AuthenticationState,
  SignalDataSet,
  SignalDataTypeMap,
  SignalKeyStore,
} from "@whiskeysockets/baileys";
import type { SessionRepository } from "../../ports/session-repository.js";
import { SessionCryptoError, type SessionCipher } from "../../crypto/session-cipher.js";
import { messageOf } from "../session/error-message.js";

export interface StorageAuthStateOptions {
  sessions: SessionRepository;
  cipher: SessionCipher;
  sessionId: string;
  /**
   * Asked before each write runs: false means this process no longer owns the session (another
   * one took its lease), and the state fences itself (see `fence`). Absent: every write runs.
   */
  mayWrite?: () => Promise<boolean>;
}

export interface StorageAuthState {
  state: AuthenticationState;
  /** Persists the whole creds object: Baileys merges each `creds.update` into it in place. */
  saveCreds(): Promise<void>;
  /** Deletes everything stored for the session (after a logout: Baileys does not do it). */
  clear(): Promise<void>;
  /**
   * Resolves once every write queued so far is done. `creds.update` saves are fire-and-forget:
   * losing the last one (`nextPreKeyId`, `firstUnuploadedPreKeyId`) on shutdown would make the
   * next socket reuse pre-key ids.
   */
  flush(): Promise<void>;
  /**
   * This process no longer owns the session (replaced by another login, lease taken by another
   * process): every write not started yet, and every later one, is dropped, so stale creds or
   * signal keys never land over the new driver's. Reads still work. Cannot be undone.
   */
  fence(): void;
  /** True once `fence()` was called. */
  readonly fenced: boolean;
}

const CREDS_KEY = "creds";

/**
 * Baileys' `useMultiFileAuthState`, with one encrypted repository entry per file: `creds` and
 * `<type>-<id>` for signal keys. Each `keys.get` / `keys.set` is a single repository call.
 */
export async function useStorageAuthState(options: StorageAuthStateOptions): Promise<StorageAuthState> {
  const { sessions, cipher, sessionId } = options;
  const codec = entryCodec(cipher, sessionId);
  const writes = serialWrites(options.mayWrite);

  const stored = await sessions.get(sessionId, [CREDS_KEY]);
  const storedCreds = stored[CREDS_KEY];
  let creds: AuthenticationCreds;
  if (storedCreds === undefined) {
    creds = initAuthCreds();
  } else {
    const { value, needsReencrypt } = codec.decode(CREDS_KEY, storedCreds);
    creds = value as AuthenticationCreds;
    // Nobody else uses this state yet: rotating now cannot overwrite a newer write.
    if (needsReencrypt) await sessions.set(sessionId, { [CREDS_KEY]: codec.encode(CREDS_KEY, creds) });
  }

  const keys: SignalKeyStore = {
    async get<T extends keyof SignalDataTypeMap>(type: T, ids: string[]) {
      const data: { [id: string]: SignalDataTypeMap[T] } = {};
      if (ids.length === 0) return data;
      const epoch = writes.epochIfIdle();
      const entries = await sessions.get(sessionId, ids.map((id) => entryKey(type, id)));
      const rotated: Record<string, string> = {};
      for (const id of ids) {
        const key = entryKey(type, id);
        const blob = entries[key];
        if (blob === undefined) {
          // Like useMultiFileAuthState: Baileys' transaction cache records a present-but-null id
          // as known to be absent and does not ask again.
          data[id] = null as unknown as SignalDataTypeMap[T];
          continue;
        }
        const { value, needsReencrypt } = codec.decode(key, blob);
        data[id] = (type === "app-state-sync-key"
          ? proto.Message.AppStateSyncKeyData.fromObject(value as Record<string, unknown>)
          : value) as SignalDataTypeMap[T];
        if (needsReencrypt) rotated[key] = codec.encode(key, value);
      }
      if (Object.keys(rotated).length > 0 && epoch !== null) {
        await writes.rotate(epoch, () => sessions.set(sessionId, rotated));
      }
      return data;
    },

    async set(data: SignalDataSet) {
      const entries: Record<string, string | null> = {};
      for (const type of Object.keys(data) as (keyof SignalDataTypeMap)[]) {
        for (const [id, value] of Object.entries(data[type] ?? {})) {
          const key = entryKey(type, id);
          entries[key] = value === null || value === undefined ? null : codec.encode(key, value);
        }
      }
      if (Object.keys(entries).length === 0) return;
      await writes.write(() => sessions.set(sessionId, entries));
    },
  };

  return {
    state: { creds, keys },
    saveCreds: () => writes.write(() => sessions.set(sessionId, { [CREDS_KEY]: codec.encode(CREDS_KEY, creds) })),
    clear: () => writes.write(() => sessions.clear(sessionId)),
    flush: () => writes.drain(),
    fence: () => writes.fence(),
    get fenced() {
      return writes.fenced;
    },
  };
}

function entryKey(type: keyof SignalDataTypeMap, id: string): string {
  return `${type}-${id}`;
}

/**
 * JSON with Baileys' Buffer encoding, encrypted. The entry key is part of the AAD with the session
 * id, so a blob copied to another session, or to another entry of the same one, is refused.
 */
function entryCodec(cipher: SessionCipher, sessionId: string) {
  const aadOf = (key: string) => JSON.stringify([sessionId, key]);
  return {
    encode(key: string, value: unknown): string {
      return cipher.encrypt(JSON.stringify(value, BufferJSON.replacer), { aad: aadOf(key) });
    },
    decode(key: string, blob: string): { value: unknown; needsReencrypt: boolean } {
      let decrypted;
      try {
        decrypted = cipher.decrypt(blob, { aad: aadOf(key) });
      } catch (error) {
        const reason = messageOf(error);
        throw new SessionCryptoError(`Cannot decrypt "${key}" of WhatsApp session ${sessionId}: ${reason}`, error);
      }
      return { value: JSON.parse(decrypted.plaintext, BufferJSON.reviver), needsReencrypt: decrypted.needsReencrypt };
    },
  };
}

/**
 * Orders this state's writes, so that a re-encryption found while reading (rotation) never lands
 * after, and overwrites, a newer value of the same entry. A rotation is skipped when any write was
 * pending when the read started or was issued since; the next read will rotate instead.
 */
function serialWrites(mayWrite?: () => Promise<boolean>) {
  let tail: Promise<unknown> = Promise.resolve();
  let epoch = 0;
  let pending = 0;
  let fenced = false;

  function enqueue(task: () => Promise<void>): Promise<void> {
    // Checked when the write runs, not when it is queued: a fence drops what is still waiting.
    const run = tail.then(async () => {
      if (fenced) return;
      if (mayWrite && !(await mayWrite())) {
        fenced = true;
        return;
      }
      if (!fenced) await task();
    });
    tail = run.catch(() => undefined);
    return run;
  }

  return {
    get fenced(): boolean {
      return fenced;
    },
    fence(): void {
      fenced = true;
    },
    write(task: () => Promise<void>): Promise<void> {
      epoch += 1;
      pending += 1;
      return enqueue(task).finally(() => {
        pending -= 1;
      });
    },
    /** Resolves once every task queued so far settled. */
    drain(): Promise<void> {
      return tail.then(() => undefined);
    },
    /** The epoch to pass to `rotate`, or null when a write is in flight (the read may be stale). */
    epochIfIdle(): number | null {
      return pending === 0 ? epoch : null;
    },
    rotate(readEpoch: number, task: () => Promise<void>): Promise<void> {
      return enqueue(async () => {
        if (epoch === readEpoch) await task();
      });
    },
  };
}
