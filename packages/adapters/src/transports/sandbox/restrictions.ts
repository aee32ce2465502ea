import { SenderRestrictedError, type SenderRestriction } from "@relance/core";

/** Restrictions WhatsApp puts on simulated accounts (time locks, new-chat caps, error 463). */
export class SandboxRestrictions {
  private readonly byReferrer = new Map<string, { restriction: SenderRestriction; inState: boolean }>();

  set(referrerUserId: string, restriction: SenderRestriction, inState: boolean): void {
    this.byReferrer.set(referrerUserId, { restriction: { reason: restriction.reason, until: restriction.until }, inState });
  }

  lift(referrerUserId: string): void {
    this.byReferrer.delete(referrerUserId);
  }

  /** In force at `now`: until its end, or until lifted when it has none. */
  active(referrerUserId: string, now: Date): SenderRestriction | null {
    const entry = this.byReferrer.get(referrerUserId);
    if (!entry || (entry.restriction.until && entry.restriction.until <= now)) return null;
    return { ...entry.restriction };
  }

  /** What the session's state shows: only restrictions the account learns of on connect. */
  reported(referrerUserId: string, now: Date): SenderRestriction | null {
    return this.byReferrer.get(referrerUserId)?.inState ? this.active(referrerUserId, now) : null;
  }

  /** Sends and number checks of a restricted account are refused, as WhatsApp does. */
  refuse(referrerUserId: string, now: Date): void {
    const restriction = this.active(referrerUserId, now);
    if (restriction) throw new SenderRestrictedError(`[sandbox] account of ${referrerUserId} restricted: ${restriction.reason}`, restriction);
  }
}
