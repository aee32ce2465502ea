import type { QrCode } from "../ports/transport.js";
import type { ReferrerStatus } from "../use-cases/status.js";

export type EngineEvent =
  | { type: "status"; referrerUserId: string; status: ReferrerStatus }
  | { type: "qr"; referrerUserId: string; qr: QrCode };

/** Fan-out of status changes and new QR codes to subscribers (the SSE stream, an embedder). */
export class EngineEvents {
  private readonly listeners = new Set<(event: EngineEvent) => void>();
  private readonly lastQr = new Map<string, string>();

  subscribe(listener: (event: EngineEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The same QR reaches us from the connect call and from the transport's event: publish it once. */
  emitQr(referrerUserId: string, qr: QrCode): void {
    if (this.lastQr.get(referrerUserId) === qr.text) return;
    this.lastQr.set(referrerUserId, qr.text);
    this.emit({ type: "qr", referrerUserId, qr });
  }

  get hasListeners(): boolean {
    return this.listeners.size > 0;
  }

  emit(event: EngineEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // A failing subscriber must not break the loop or the other subscribers.
      }
    }
  }
}
