import type { BaileysEventMap } from "@whiskeysockets/baileys";
import type { Logger } from "@relance/core";
import { formatSeconds } from "./disconnect-policy.js";
import type { BaileysInbox } from "./inbox.js";
import type { NewChatMessageCapInfo } from "@whiskeysockets/baileys";
import type { RestrictionWatch } from "./restrictions.js";
import type { SessionTimeouts } from "./session-types.js";
import type { BaileysSocket } from "./socket.js";
import { messageOf } from "../session/error-message.js";

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
 * When a socket may be reported connected ("ready means read"). Baileys emits `open` before the
 * messages that arrived while we were away, and its `receivedPendingNotifications` does not mean
 * they were handed over:
 * - offline stanzas go to a queue drained one node at a time, with key-store I/O for each
 *   (lib/Utils/offline-node-processor.js:7-36, lib/Socket/messages-recv.js:1603-1605), while the
 *   server's `ib offline` flushes and emits the flag at once, whatever is still queued
 *   (lib/Socket/socket.js:832-841);
 * - each message is upserted through a buffered function (lib/Socket/chats.js:917), and after the
 *   flag the socket buffers again for the history sync, up to 20 s on a first connection
 *   (lib/Socket/chats.js:1055-1110): an upsert may sit in the buffer, unseen.
 * Ready before a STOP of that backlog is read, dispatch could send today's message to someone
 * who opted out. So, after the flag (or the fallback): the socket quiet (no upsert or update) for
 * `offlineQuietMs`, flushing the buffer as we look; then the buffer flushed and every reply
 * handed over (parked ones included); the account's restrictions asked; flushed and settled
 * again (what came during the check); then ready.
 */
export class ReadinessGate {
  private openGeneration = 0;
  private drainedGeneration = 0;
  /** The generation whose becoming ready has started (at most once per socket). */
  private readyGeneration = 0;
  private lastRestrictionCheck = 0;
  /** When the socket last surfaced a message or a message update (real ms). */
  private lastActivity = 0;

  constructor(private readonly deps: ReadinessDeps) {}

  onUpdate(gen: number, sock: BaileysSocket, update: BaileysEventMap["connection.update"]): void {
    if (update.connection === "open") {
      this.openGeneration = gen;
      this.startDrainFallback(gen, sock);
    }
    if (update.receivedPendingNotifications === true) this.drainedGeneration = gen;
    if (this.openGeneration === gen && this.drainedGeneration === gen) void this.becomeReady(gen, sock);
  }

  /** The socket surfaced `messages.upsert` or `messages.update`: the backlog may still be coming. */
  onActivity(): void {
    this.lastActivity = Date.now();
  }

  /** Asks about a restriction without a known end again, at most every 15 minutes. */
  recheck(sock: BaileysSocket): void {
    if (!this.deps.restrictions.openEnded || Date.now() - this.lastRestrictionCheck < RESTRICTION_RECHECK_MS) return;
    void this.checkRestrictions(sock);
  }

  private async becomeReady(gen: number, sock: BaileysSocket, options: { fallback: boolean } = { fallback: false }): Promise<void> {
    if (this.readyGeneration === gen) return;
    this.readyGeneration = gen;
    // After the fallback's long wait, one quiet period at most: `ensureReady` must still see it ready.
    await this.untilQuiet(gen, sock, options.fallback ? this.deps.timeouts.offlineQuietMs : this.deps.timeouts.offlineQuietMaxMs);
    // Parked replies too: this socket may know LIDs the last one did not.
    this.deps.inbox.retry();
    await this.handOver(sock);
    await this.checkRestrictions(sock);
    // Replies that came during the check (its answer takes up to seconds) are read before ready.
    await this.handOver(sock);
    this.deps.ready(gen, sock);
  }

  /**
   * Until the socket surfaced nothing for `offlineQuietMs`: offline nodes still being decrypted
   * keep coming after the flag. Each look flushes the buffer first, so that an upsert held there
   * counts. Bounded: a busy account (groups, receipts) must not keep the sender down.
   */
  private async untilQuiet(gen: number, sock: BaileysSocket, offlineQuietMaxMs: number): Promise<void> {
    const { offlineQuietMs } = this.deps.timeouts;
    const start = Date.now();
    this.lastActivity = Math.max(this.lastActivity, start);
    for (;;) {
      sock.ev.flush();
      await new Promise((resolve) => setImmediate(resolve));
      if (this.openGeneration !== gen) return;
      const now = Date.now();
      const quietFor = now - this.lastActivity;
      if (quietFor >= offlineQuietMs) return;
      if (now - start >= offlineQuietMaxMs) {
        this.deps.logger.warn({ referrerUserId: this.deps.referrerUserId }, `baileys: messages kept coming for ${formatSeconds(offlineQuietMaxMs)} after the offline backlog: ready anyway`);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(offlineQuietMs - quietFor, offlineQuietMaxMs - (now - start))));
    }
  }

  /** What Baileys' buffer holds, released; one tick for its handlers; until every reply is delivered or parked. */
  private async handOver(sock: BaileysSocket): Promise<void> {
    sock.ev.flush();
    await new Promise((resolve) => setImmediate(resolve));
    await this.deps.inbox.settled();
  }

  /**
   * A server that never says the backlog is done must not keep the sender down forever. This
   * waits longer than Baileys' own 30 s buffer timer (lib/Utils/event-buffer.js:34, 49-54), and
   * the hand-over flushes the buffer whatever it held.
   */
  private startDrainFallback(gen: number, sock: BaileysSocket): void {
    const { offlineDrainMs } = this.deps.timeouts;
    const timer = setTimeout(() => {
      if (this.readyGeneration === gen || this.openGeneration !== gen) return;
      this.deps.logger.warn({ referrerUserId: this.deps.referrerUserId }, `baileys: no end of the offline backlog within ${formatSeconds(offlineDrainMs)}: ready anyway`);
      void this.becomeReady(gen, sock, { fallback: true });
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
