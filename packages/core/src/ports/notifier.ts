import type { LinkStatus } from "../model/referrer-config.js";

/** Something the referrer must hear about (their sender is down, so their relances are held). */
export interface ReferrerNotification {
  type: "sender_unavailable";
  referrerUserId: string;
  linkStatus: LinkStatus;
  reason: string;
  heldTargets: number;
  at: Date;
}

/** Tells a referrer (by webhook, e-mail, ...) that something needs their action. */
export interface Notifier {
  /** Delivery is best effort: a rejected promise is logged by the core, never retried in a loop. */
  notify(notification: ReferrerNotification): Promise<void>;
}
