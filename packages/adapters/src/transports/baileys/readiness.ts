import type { BaileysEventMap } from "@whiskeysockets/baileys";
import type { Logger } from "@relance/core";
import { formatSeconds } from "./disconnect-policy.js";
import type { BaileysInbox } from "./inbox.js";
import type { NewChatMessageCapInfo } from "@whiskeysockets/baileys";
import type { RestrictionWatch } from "./restrictions.js";
import type { SessionTimeouts } from "./session-types.js";
import type { BaileysSocket } from "./socket.js";
import { messageOf } from "./error-message.js";

/** A restriction without an end is asked about again at most this often. */
const RESTRICTION_RECHECK_MS = 15 * 60_000;

export interface ReadinessDeps {
  referrerUserId: string;
  logger: Logger;
  timeouts: SessionTimeouts;
  inbox: BaileysInbox;
  restrictions: RestrictionWatch;
  /** The socket of generation `gen` may send now (if it is still the current one). */
  ready(gen: number, sock: BaileysSocket): void;
}

/**
 * When a socket may be reported connected. Baileys emits `open` before the messages that arrived
 * while we were away: they are buffered until the server's `ib offline` stanza, flushed, then
 * `receivedPendingNotifications` is emitted (lib/Socket/socket.js:821-841). Ready before that,
 * dispatch could send today's message to someone whose STOP sits in that backlog. So: open, and
 * backlog handled (or a bounded wait for it), and every reply of it handed over, and the
 * account's restrictions asked for; then ready.
 */
export class ReadinessGate {
  private openGeneration = 0;
  private drainedGeneration = 0;
  private readyGeneration = 0;
  private lastRestrictionCheck = 0;

  constructor(private readonly deps: ReadinessDeps) {}

  onUpdate(gen: number, sock: BaileysSocket, update: BaileysEventMap["connection.update"]): void {
    if (update.connection === "open") {
      this.openGeneration = gen;
      this.startDrainFallback(gen, sock);
    }
    if (update.receivedPendingNotifications === true) this.drainedGeneration = gen;
    if (this.openGeneration === gen && this.drainedGeneration === gen) void this.becomeReady(gen, sock);
  }

  /** Asks about a restriction without a known end again, at most every 15 minutes. */
  recheck(sock: BaileysSocket): void {
    if (!this.deps.restrictions.openEnded || Date.now() - this.lastRestrictionCheck < RESTRICTION_RECHECK_MS) return;
    void this.checkRestrictions(sock);
  }

  private async becomeReady(gen: number, sock: BaileysSocket): Promise<void> {
    if (this.readyGeneration === gen) return;
    this.readyGeneration = gen;
    // One tick for the handlers of the flushed events, then until their replies are handed over
    // (parked ones included: this socket may know LIDs the last one did not).
    await new Promise((resolve) => setImmediate(resolve));
    this.deps.inbox.retry();
    await this.deps.inbox.settled();
    await this.checkRestrictions(sock);
    this.deps.ready(gen, sock);
  }

  /** A server that never says the backlog is done must not keep the sender down forever. */
  private startDrainFallback(gen: number, sock: BaileysSocket): void {
    const { offlineDrainMs } = this.deps.timeouts;
    const timer = setTimeout(() => {
      if (this.readyGeneration === gen || this.openGeneration !== gen) return;
      this.deps.logger.warn({ referrerUserId: this.deps.referrerUserId }, `baileys: no end of the offline backlog within ${formatSeconds(offlineDrainMs)}: ready anyway`);
      void this.becomeReady(gen, sock);
    }, offlineDrainMs);
    timer.unref?.();
  }

  /** Whether the account is time-locked or capped; bounded, failures only logged. */
  private async checkRestrictions(sock: BaileysSocket): Promise<void> {
    const { referrerUserId, logger, timeouts, restrictions } = this.deps;
    this.lastRestrictionCheck = Date.now();
    const checks = Promise.allSettled([
      // Its answer comes back as `connection.update.reachoutTimeLock` (lib/Socket/socket.js:906-916).
      sock.fetchAccountReachoutTimelock(),
      sock.fetchNewChatMessageCap().then((info) => restrictions.onCapping(info as NewChatMessageCapInfo)),
    ]).then((results) => {
      for (const result of results) {
        if (result.status === "rejected") logger.debug({ referrerUserId, err: messageOf(result.reason) }, "baileys restriction check failed");
      }
    });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeouts.restrictionCheckMs);
      timer.unref?.();
    });
    await Promise.race([checks, timeout]);
    clearTimeout(timer);
  }
}
