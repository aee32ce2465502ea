import type { Clock } from "@relance/core";
import { formatSeconds } from "./disconnect-policy.js";

export interface GiveUpSettings {
  /** Wait after a session first gave up (all its reconnects failed); doubled at each give-up in a row. */
  firstCooldownMs: number;
  maxCooldownMs: number;
}

export const DEFAULT_GIVE_UPS: GiveUpSettings = {
  firstCooldownMs: 15 * 60_000,
  maxCooldownMs: 6 * 60 * 60_000,
};

interface Record {
  count: number;
  until: number;
  reason: string;
}

/**
 * Sessions that gave up reconnecting (a bad session, a blocked IP, a server refusing for good):
 * without a pause, every dispatch minute and listen run would restore them and make the whole
 * backoff again, forever. After a give-up, `ensureReady` leaves the session alone for a
 * cooldown that doubles at each give-up in a row (15 min, 30 min… up to 6 h), until a socket
 * opens again or the referrer connects. Kept in memory: each process pauses on its own.
 */
export class GiveUps {
  private readonly records = new Map<string, Record>();

  constructor(
    private readonly clock: Clock,
    private readonly settings: GiveUpSettings = DEFAULT_GIVE_UPS,
  ) {}

  /** Records a give-up; returns the reason to show, with the next try. */
  record(referrerUserId: string, reason: string): string {
    const count = (this.records.get(referrerUserId)?.count ?? 0) + 1;
    const cooldownMs = Math.min(this.settings.firstCooldownMs * 2 ** (count - 1), this.settings.maxCooldownMs);
    const until = this.clock.now().getTime() + cooldownMs;
    const shown = `${reason}; next try in ${formatDuration(cooldownMs)} (at ${new Date(until).toISOString()})`;
    this.records.set(referrerUserId, { count, until, reason: shown });
    return shown;
  }

  /** The reason to answer with while the cooldown runs; null once it is over (a restore may try). */
  coolingDown(referrerUserId: string): string | null {
    const record = this.records.get(referrerUserId);
    return record && this.clock.now().getTime() < record.until ? record.reason : null;
  }

  /** A socket opened, or the referrer asked to connect: the count starts afresh. */
  clear(referrerUserId: string): void {
    this.records.delete(referrerUserId);
  }
}

function formatDuration(ms: number): string {
  if (ms < 60_000) return formatSeconds(ms);
  const minutes = Math.round(ms / 60_000);
  return minutes < 60 ? `${minutes} min` : `${Math.round((minutes / 60) * 10) / 10} h`;
}
