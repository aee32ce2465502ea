import type { EngineContext } from "../engine/context.js";
import { newChatCounterKey, newChatQuotaOf } from "../policies/new-chat-quota.js";
import { publishStatus } from "../use-cases/status.js";
import type { ReservationSlot } from "./reservation.js";
import type { SenderRun } from "./sender-run.js";

/**
 * After a message left: the run counts it in what it knows of its sender (the day's count, the
 * new-chat counter) and, when anyone listens (the service always does: its metrics, the SSE
 * stream), publishes the sender's status from that knowledge. The lease makes the run's sends the
 * sender's only ones, so the counts stay exact without a read per message; the health shown is
 * the one the run's gate judged (what its cap follows). A storage read happens only once per
 * sender and quota report, for the new-chat counter's starting point.
 */
export async function countSentAndPublish(ctx: EngineContext, run: SenderRun, slots: readonly ReservationSlot[]): Promise<void> {
  if (run.sentToday) run.sentToday.count++;
  const newChat = slots.find((slot) => slot.kind === "new_chat");
  if (newChat && run.newChatsSent?.key === newChat.key) run.newChatsSent.count++;
  if (!ctx.events.hasListeners) return;
  const referrerUserId = run.config.referrerUserId;
  const quota = newChatQuotaOf(ctx, referrerUserId, ctx.clock.now());
  if (quota) {
    const key = newChatCounterKey(quota);
    // Read after this send's slot was taken: the count includes it.
    if (run.newChatsSent?.key !== key) run.newChatsSent = { key, count: await ctx.storage.counters.get(referrerUserId, key) };
  }
  await publishStatus(ctx, run.config, { sentToday: run.sentToday, health: run.health, newChatsSent: run.newChatsSent });
}
