/**
 * Sends of this process currently inside the transport call, by referral. `exitUser` waits on
 * them so that once it returns nothing more leaves for that person.
 */
export class InFlightSends {
  private readonly byReferral = new Map<string, Set<Promise<unknown>>>();

  track<T>(referralUserId: string, send: Promise<T>): Promise<T> {
    let set = this.byReferral.get(referralUserId);
    if (!set) {
      set = new Set();
      this.byReferral.set(referralUserId, set);
    }
    const entry = send.then(
      () => undefined,
      () => undefined,
    );
    set.add(entry);
    void entry.then(() => {
      set.delete(entry);
      if (set.size === 0) this.byReferral.delete(referralUserId);
    });
    return send;
  }

  async settled(referralUserId: string): Promise<void> {
    const set = this.byReferral.get(referralUserId);
    if (set) await Promise.all([...set]);
  }

  get size(): number {
    let total = 0;
    for (const set of this.byReferral.values()) total += set.size;
    return total;
  }
}
