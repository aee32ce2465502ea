import { makeCacheableSignalKeyStore, type AuthenticationState } from "@whiskeysockets/baileys";
import type { Logger } from "@relance/core";
import type { StorageAuthState } from "./auth-state.js";
import { createKeyCache } from "./key-cache.js";
import type { BaileysLogger } from "./logger.js";
import { messageOf } from "../session/error-message.js";

/**
 * A session's stored creds and signal keys, as its sockets use them: written while the session is
 * this process's, fenced once another driver owns it (replaced, lease lost: its pre-key counters
 * are ahead of ours), and deleted on a logout (late writes from a socket winding down must not
 * recreate them).
 */
export class SessionCreds {
  /** The auth state every socket of the session is built on (one key cache, shared by its sockets). */
  readonly auth: AuthenticationState;
  private discarded = false;

  constructor(
    private readonly stored: StorageAuthState,
    baileysLogger: BaileysLogger,
    private readonly logger: Logger,
    private readonly referrerUserId: string,
  ) {
    const { creds, keys } = stored.state;
    const guarded = {
      get: keys.get.bind(keys),
      set: async (data: Parameters<typeof keys.set>[0]) => {
        if (!this.discarded) await keys.set(data);
      },
    };
    this.auth = { creds, keys: makeCacheableSignalKeyStore(guarded, baileysLogger, createKeyCache()) };
  }

  get fenced(): boolean {
    return this.stored.fenced;
  }

  /** `creds.update`: Baileys merged the update into the creds object already; the whole object is stored. */
  onUpdate(): Promise<void> | null {
    return this.discarded ? null : this.stored.saveCreds();
  }

  /** Nothing of ours is written any more: another driver owns the stored session now. */
  fence(why: string): void {
    if (this.stored.fenced) return;
    this.stored.fence();
    this.logger.warn({ referrerUserId: this.referrerUserId, why }, "baileys session stops writing its stored creds and keys");
  }

  /**
   * On close: the creds written one last time, only while the lease is still ours (the pool also
   * closes sessions whose lease another process took). Unknown (storage down): the final write is
   * attempted as before; it most likely fails too.
   */
  async closeWrites(ownsLease: () => Promise<boolean>): Promise<void> {
    if (!this.stored.fenced) {
      const owned = await ownsLease().catch((error: unknown) => {
        this.logger.warn({ referrerUserId: this.referrerUserId, err: messageOf(error) }, "baileys session lease could not be read on close");
        return true;
      });
      if (!owned) this.fence("the session's lease is held by another process");
    }
    await this.persist();
  }

  /** The creds as they are now, written, and every queued write done: nothing lost on shutdown. */
  async persist(): Promise<void> {
    if (this.discarded || this.stored.fenced) return;
    try {
      await this.stored.saveCreds();
      await this.stored.flush();
    } catch (error) {
      this.logger.error({ referrerUserId: this.referrerUserId, err: messageOf(error) }, "baileys creds could not be saved on close");
    }
  }

  /** Deletes the stored session; nothing is written after. */
  async discard(): Promise<void> {
    this.discarded = true;
    await this.stored.clear();
  }

  /** Every write queued so far, done. */
  flush(): Promise<void> {
    return this.stored.flush();
  }
}
