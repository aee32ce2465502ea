import {
  NewChatMessageCappingStatusType,
  ReachoutTimelockEnforcementType,
  WAMessageStatus,
  type BaileysEventMap,
  type NewChatMessageCapInfo,
  type ReachoutTimelockState,
} from "@whiskeysockets/baileys";
import type { Clock, SenderRestriction } from "@relance/core";

/** Error 463 says no more than "restricted": the sender is held this long, then tried again. */
export const DEFAULT_RESTRICTION_HOLD_MS = 24 * 60 * 60_000;

type Source = "timelock" | "capping" | "refused";

/**
 * What WhatsApp said about the account's right to message people, from its three signals:
 * - a reach-out time lock (`connection.update.reachoutTimeLock`, pushed by the server or answered
 *   to `fetchAccountReachoutTimelock`, lib/Socket/messages-recv.js:150-180, lib/Socket/socket.js:906-916);
 * - new-chat message capping (`message-capping.update`, lib/Socket/messages-recv.js:182-190, or
 *   `fetchNewChatMessageCap`), held only at `CAPPED`;
 * - error 463 on a message's ack, reported as an ERROR status update whose first stub parameter
 *   is "463" (lib/Socket/messages-recv.js:1511-1564): "retrying worsens the restriction".
 * The sender is held while any of them is active.
 */
export class RestrictionWatch {
  private readonly active = new Map<Source, SenderRestriction>();

  constructor(
    private readonly clock: Clock,
    private readonly onChange: () => void,
    private readonly holdMs = DEFAULT_RESTRICTION_HOLD_MS,
    /** Sees every capping report, pushed or fetched (the new-chat quota, new-chat-quota.ts). */
    private readonly onCappingReport: (info: NewChatMessageCapInfo) => void = () => {},
  ) {}

  /** The restriction in force now (the one ending last), or undefined. */
  current(): SenderRestriction | undefined {
    const now = this.clock.now().getTime();
    let found: SenderRestriction | undefined;
    for (const [source, restriction] of this.active) {
      if (restriction.until !== null && restriction.until.getTime() <= now) {
        this.active.delete(source);
        continue;
      }
      // Open-ended (null) outlasts any date.
      if (!found || (found.until !== null && (restriction.until === null || restriction.until > found.until))) found = restriction;
    }
    return found ? { ...found } : undefined;
  }

  /** True when a source is held without an end: worth asking WhatsApp again. */
  get openEnded(): boolean {
    return [...this.active.values()].some((r) => r.until === null);
  }

  onTimelock(state: ReachoutTimelockState): void {
    if (!state.isActive) return this.clear("timelock");
    const type = state.enforcementType && state.enforcementType !== ReachoutTimelockEnforcementType.DEFAULT ? `: ${state.enforcementType}` : "";
    this.set("timelock", { reason: `WhatsApp temporarily restricts this account from messaging people (reach-out time lock${type})`, until: state.timeEnforcementEnds ?? null });
  }

  onCapping(info: NewChatMessageCapInfo | undefined | null): void {
    if (!info) return;
    this.onCappingReport(info);
    if (info.capping_status !== NewChatMessageCappingStatusType.CAPPED) return this.clear("capping");
    const quota = info.total_quota !== undefined ? ` (${info.used_quota ?? "?"}/${info.total_quota} new chats this cycle)` : "";
    const end = Number(info.cycle_end_timestamp);
    this.set("capping", { reason: `WhatsApp capped the new chats this account may start${quota}`, until: Number.isFinite(end) && end > 0 ? new Date(end * 1000) : null });
  }

  /** Looks for error 463 among message status updates; true when one was found. */
  onStatusUpdates(updates: BaileysEventMap["messages.update"]): boolean {
    const refused = updates.some(({ key, update }) => key.fromMe && update.status === WAMessageStatus.ERROR && update.messageStubParameters?.[0] === "463");
    if (refused) {
      const until = new Date(this.clock.now().getTime() + this.holdMs);
      this.set("refused", { reason: "WhatsApp refused a message because the account is restricted (error 463)", until });
    }
    return refused;
  }

  private set(source: Source, restriction: SenderRestriction): void {
    const previous = this.active.get(source);
    this.active.set(source, restriction);
    if (!previous || previous.reason !== restriction.reason || previous.until?.getTime() !== restriction.until?.getTime()) this.onChange();
  }

  private clear(source: Source): void {
    if (this.active.delete(source)) this.onChange();
  }
}
