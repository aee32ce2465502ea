/**
 * Work of this process still under way, by key, for callers that must wait for it — the engine's
 * one in-flight tracker: the sends inside the transport by referral (`exitUser` waits, so nothing
 * leaves after it returns), the replies being handled by referrer (dispatch waits, so a STOP from
 * the offline backlog is recorded before the do-not-contact list is read), every transport event
 * being handled (`idle()`, shutdown) and the jobs' runs (shutdown).
 */
export class PendingWork {
  private readonly byKey = new Map<string, Set<Promise<void>>>();

  /** Tracks `work` under `key` and returns it unchanged. */
  track<T>(key: string, work: Promise<T>): Promise<T> {
    let set = this.byKey.get(key);
    if (!set) {
      set = new Set();
      this.byKey.set(key, set);
    }
    const entry = work.then(
      () => undefined,
      () => undefined,
    );
    set.add(entry);
    const owner = set;
    void entry.then(() => {
      owner.delete(entry);
      if (owner.size === 0 && this.byKey.get(key) === owner) this.byKey.delete(key);
    });
    return work;
  }

  /** Resolves once nothing is pending under any key, including work tracked meanwhile. */
  async settledAll(): Promise<void> {
    while (this.byKey.size > 0) await Promise.all([...this.byKey.values()].flatMap((set) => [...set]));
  }

  /** Resolves once nothing is pending under `key`, including work tracked meanwhile. */
  async settled(key: string): Promise<void> {
    for (let set = this.byKey.get(key); set && set.size > 0; set = this.byKey.get(key)) {
      await Promise.all([...set]);
    }
  }
}
