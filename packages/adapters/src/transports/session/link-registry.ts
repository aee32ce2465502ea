import type { Clock, LinkState, Logger, TransportEvent, TransportListener } from "@relance/core";
import { messageOf } from "./error-message.js";
import { deliverToListeners } from "./inbound-journal.js";

/**
 * The last link state of each referrer and the transport's listeners, for both drivers. A link
 * event is emitted only when something a referrer would see changed (status, phone, QR, code,
 * reason, restriction); `set` records a state the core hears of on its next call (a pool close).
 */
export class LinkRegistry {
  private readonly states = new Map<string, LinkState>();
  private readonly listeners = new Set<TransportListener>();

  constructor(
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  get(referrerUserId: string): LinkState | undefined {
    return this.states.get(referrerUserId);
  }

  /** Records the state without an event (a pool close: the core hears of it on the next send). */
  set(referrerUserId: string, state: LinkState): void {
    this.states.set(referrerUserId, state);
  }

  update(referrerUserId: string, state: LinkState): LinkState {
    const previous = this.states.get(referrerUserId);
    this.states.set(referrerUserId, state);
    if (!previous || !sameState(previous, state)) {
      this.emit({ type: "link", referrerUserId, state: { ...state }, at: this.clock.now() });
    }
    return { ...state };
  }

  emit(event: TransportEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.logger.error({ eventType: event.type, err: messageOf(error) }, "transport listener failed");
      }
    }
  }

  /** Hands an inbound message over; resolves once every listener acknowledged it. */
  deliver(event: TransportEvent): Promise<void> {
    return deliverToListeners(this.listeners, event);
  }

  subscribe(listener: TransportListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  clearListeners(): void {
    this.listeners.clear();
  }
}

function sameState(a: LinkState, b: LinkState): boolean {
  return (
    a.status === b.status &&
    a.phone === b.phone &&
    a.qr?.text === b.qr?.text &&
    a.pairingCode === b.pairingCode &&
    a.reason === b.reason &&
    a.restriction?.reason === b.restriction?.reason &&
    a.restriction?.until?.getTime() === b.restriction?.until?.getTime()
  );
}
