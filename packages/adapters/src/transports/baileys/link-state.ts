import type { LinkState, Logger, SenderRestriction } from "@relance/core";

/**
 * What a session tells the referrer: its last link state, handed to the transport on each change
 * (`publish`), with WhatsApp's restriction of the moment added while connected; and the callers
 * waiting for it to reach a condition.
 */
export class SessionLinkState {
  private current: LinkState;
  private readonly waiters = new Set<() => void>();

  constructor(
    initial: LinkState,
    private readonly hook: (state: LinkState) => void,
    private readonly restriction: () => SenderRestriction | undefined,
  ) {
    this.current = initial;
  }

  /** The status and phone as last set (no restriction). */
  get last(): LinkState {
    return this.current;
  }

  /** What the referrer sees now. */
  get view(): LinkState {
    const restriction = this.current.status === "connected" ? this.restriction() : undefined;
    const { restriction: _stale, ...state } = this.current;
    return restriction ? { ...state, restriction } : state;
  }

  publish(state: LinkState): void {
    this.current = state;
    this.hook({ ...state });
    this.notify();
  }

  /** WhatsApp's restriction on a connected account changed: the referrer is told. */
  restrictionChanged(logger: Logger, referrerUserId: string): void {
    if (this.current.status !== "connected") return;
    const restriction = this.restriction();
    logger.warn({ referrerUserId, restricted: Boolean(restriction), until: restriction?.until?.toISOString() ?? null }, "baileys account restriction changed");
    this.publish(this.view);
  }

  /** Resolves with the view once `done` holds or `stopped()`; null after `timeoutMs`. */
  waitFor(done: (state: LinkState) => boolean, stopped: () => boolean, timeoutMs: number): Promise<LinkState | null> {
    if (done(this.current) || stopped()) return Promise.resolve(this.view);
    return new Promise((resolve) => {
      const settle = (value: LinkState | null) => {
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve(value);
      };
      const check = () => {
        if (done(this.current) || stopped()) settle(this.view);
      };
      const timer = setTimeout(() => settle(null), timeoutMs);
      timer.unref?.();
      this.waiters.add(check);
    });
  }

  notify(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}
