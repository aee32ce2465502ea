import { TransportUnavailableError, type Notifier, type Transport } from "@relance/core";
import type { ServiceMetrics } from "./metrics.js";

/**
 * The transport the engine sends through, each `send` timed into `relance_send_duration_seconds`.
 * Everything else is the transport itself (the sandbox routes keep the real object).
 */
export function timedTransport(transport: Transport, metrics: ServiceMetrics): Transport {
  const send: Transport["send"] = async (...args) => {
    const end = metrics.sendDuration.startTimer();
    try {
      const result = await transport.send(...args);
      end({ outcome: "sent" });
      return result;
    } catch (error) {
      end({ outcome: error instanceof TransportUnavailableError ? "unavailable" : "failed" });
      throw error;
    }
  };
  return new Proxy(transport, {
    get(target, key) {
      if (key === "send") return send;
      const value = Reflect.get(target, key, target) as unknown;
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** Counts the replies the engine tells referrers about (once per referral), then notifies. */
export function countingNotifier(notifier: Notifier, metrics: ServiceMetrics): Notifier {
  return {
    notify(notification) {
      if (notification.type === "referral_replied") metrics.replies.inc();
      return notifier.notify(notification);
    },
  };
}
