/**
 * Inbound messages of this process still being handled, by referrer. Dispatch waits on them
 * after restoring a session: a STOP from the offline backlog, surfaced while the session came
 * up, is recorded before the do-not-contact list is read.
 */
export class PendingInbound {
  private readonly byReferrer = new Map<string, Set<Promise<void>>>();

  track(referrerUserId: string, handling: Promise<unknown>): void {
    let set = this.byReferrer.get(referrerUserId);
    if (!set) {
      set = new Set();
      this.byReferrer.set(referrerUserId, set);
    }
    const entry = handling.then(
      () => undefined,
      () => undefined,
    );
    set.add(entry);
    void entry.then(() => {
      set.delete(entry);
      if (set.size === 0 && this.byReferrer.get(referrerUserId) === set) this.byReferrer.delete(referrerUserId);
    });
  }

  /** Resolves once nothing is pending for the referrer, including messages arriving meanwhile. */
  async settled(referrerUserId: string): Promise<void> {
    for (let set = this.byReferrer.get(referrerUserId); set && set.size > 0; set = this.byReferrer.get(referrerUserId)) {
      await Promise.all([...set]);
    }
  }
}
