import type { LinkState } from "@relance/core";

/** Why the session pool closed a session on its own (see SessionPool's `onClosed`). */
export type PoolCloseReason = "evicted" | "idle" | "lease_lost";

/** The referrer's state after the pool closed their session, and whether to tell them (a link event). */
export interface AfterPoolClose {
  state: LinkState;
  announce: boolean;
}

const LINKED_REASONS: Record<PoolCloseReason, string> = {
  evicted: "closed to make room for another session; restored on the next send",
  idle: "closed after inactivity; restored on the next send",
  lease_lost: "driven by another process",
};

/**
 * One rule for both drivers. A linked session (connected or reconnecting) closes quietly: the
 * device stays linked and the next `ensureReady` restores it, so nothing went down for the
 * referrer. A link in progress is news: its QR or pairing code is dead now, unless another process
 * took it over (it shows its own). Any other state (failed, logged out, disconnected) already says
 * what happened and is kept. Null: nothing changes.
 */
export function afterPoolClose(previous: LinkState, why: PoolCloseReason): AfterPoolClose | null {
  if (previous.status === "pending_qr" || previous.status === "pending_pairing") {
    if (why === "lease_lost") return null;
    const reason = why === "idle" ? "linking expired: the code was not used in time" : "linking was cancelled: too many WhatsApp sessions are open on this server";
    return { state: { status: "disconnected", phone: null, reason }, announce: true };
  }
  if (previous.status === "connected" || previous.status === "connecting") {
    return { state: { status: "disconnected", phone: previous.phone, reason: LINKED_REASONS[why] }, announce: false };
  }
  return null;
}
