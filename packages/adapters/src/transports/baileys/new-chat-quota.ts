import type { NewChatMessageCapInfo } from "@whiskeysockets/baileys";
import type { Clock, NewChatQuota } from "@relance/core";

/**
 * The account's quota of messages to people who never answered it, as WhatsApp last reported it
 * (Baileys 7.0.0-rc14):
 * - answered to `fetchNewChatMessageCap()` (lib/Socket/socket.js:918-924: a WMex query of type
 *   `INDIVIDUAL_NEW_CHAT_MSG`, whose `xwa2_message_capping_info` data comes back as is,
 *   lib/Socket/mex.js:21-41), asked when a socket opens;
 * - pushed by the server as `message-capping.update` (lib/Socket/messages-recv.js:121-122 and
 *   182-190: the `xwa2_notify_new_chat_messages_capping_info_update` payload).
 * Both carry `NewChatMessageCapInfo` (lib/Types/State.d.ts:87-96): `total_quota`, `used_quota`,
 * `cycle_end_timestamp` (unix seconds, as a string) and `capping_status`. Without both counts the
 * account reports no quota (most accounts today: the answer is `{}`), and none is enforced.
 */
export class NewChatQuotaWatch {
  private latest: NewChatQuota | null = null;

  constructor(private readonly clock: Clock) {}

  onCapping(info: NewChatMessageCapInfo | undefined | null): void {
    if (!info) return;
    const total = Number(info.total_quota);
    const used = Number(info.used_quota);
    if (!Number.isFinite(total) || !Number.isFinite(used) || info.total_quota === undefined || info.used_quota === undefined) return;
    const end = Number(info.cycle_end_timestamp);
    this.latest = {
      remaining: Math.max(0, Math.floor(total - used)),
      resetsAt: Number.isFinite(end) && end > 0 ? new Date(end * 1000) : null,
      reportedAt: this.clock.now(),
    };
  }

  /** The last report, or null when none (or its cycle has ended: the next report says the new one). */
  current(): NewChatQuota | null {
    const latest = this.latest;
    if (!latest) return null;
    if (latest.resetsAt && latest.resetsAt <= this.clock.now()) return null;
    return { ...latest };
  }
}
