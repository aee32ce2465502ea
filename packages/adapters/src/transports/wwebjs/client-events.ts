import type { E164, LinkState } from "@relance/core";
import { qrDataUrl } from "../../qr/render-qr.js";
import { PAIRING_CODE_FAILURE } from "./client-factory.js";
import { blocksRestore, receiptStatus, stateAfterChange, stateAfterDisconnect, unlinks } from "./events.js";
import { endLive } from "./lifecycle.js";
import { WAState, type Message, type MessageAck } from "./library.js";
import { RESTORE_REFUSED_REASON, RestoreRefused, type Live } from "./live.js";
import { catchUpAgain, onReady } from "./readiness.js";
import type { WwebjsRuntime } from "./runtime.js";

/** Wires a client's events to the referrer's link state; a live that is no longer current is ignored. */
export function listen(rt: WwebjsRuntime, live: Live): void {
  const { client } = live;
  client.on("qr", (qr) => rt.background(onQr(rt, live, qr), "QR handling failed"));
  client.on("code", (code) => onCode(rt, live, code));
  client.on("authenticated", () => onAuthenticated(rt, live));
  client.on("auth_failure", (message) => {
    const reason = message.startsWith(PAIRING_CODE_FAILURE)
      ? `WhatsApp Web could not give a pairing code for this number: ${message.slice(PAIRING_CODE_FAILURE.length)}`
      : `WhatsApp Web refused the session: ${message}`;
    endLive(rt, live, { status: "failed", phone: rt.getState(live.referrerUserId).phone, reason });
  });
  client.on("ready", () => rt.background(onReady(rt, live), "ready handling failed"));
  client.on("change_state", (state) => onChangeState(rt, live, state));
  client.on("disconnected", (reason) => onDisconnected(rt, live, reason));
  client.on("message", (message) => rt.background(onMessage(rt, live, message), "inbound message handling failed"));
  client.on("message_edit", (message, newBody) => rt.background(onEdit(rt, live, message, String(newBody)), "edited message handling failed"));
  client.on("message_ack", (message, ack) => onAck(rt, live, message, ack));
}

async function onQr(rt: WwebjsRuntime, live: Live, qr: string): Promise<void> {
  if (!rt.isCurrent(live)) return;
  if (live.purpose.kind === "restore") {
    // WhatsApp Web asks to link again: this stored session (or this backup of it) is not
    // accepted. Not deleted: a torn backup is no unlink, and the previous one may still work.
    if (!live.firstState.settled) {
      live.firstState.reject(new RestoreRefused());
    } else {
      endLive(rt, live, { status: "logged_out", phone: null, reason: RESTORE_REFUSED_REASON });
      rt.background(rt.bookOf(live.referrerUserId).setRestoreRefused(rt.clock.now()), "could not record a refused session");
    }
    return;
  }
  // A QR means whatever was stored is not this link: the new one is backed up as new.
  live.store.treatAsNew();
  const sequence = ++live.qrSequence;
  const dataUrl = await qrDataUrl(qr);
  if (!rt.isCurrent(live) || live.ready || sequence !== live.qrSequence) return;
  rt.setState(live.referrerUserId, { status: "pending_qr", phone: null, qr: { text: qr, dataUrl } });
  boundLinkWait(rt, live);
  live.firstState.resolve();
}

function onCode(rt: WwebjsRuntime, live: Live, code: string): void {
  if (!rt.isCurrent(live) || live.ready || live.purpose.kind !== "link") return;
  live.store.treatAsNew();
  rt.setState(live.referrerUserId, { status: "pending_pairing", phone: live.purpose.phone, pairingCode: code });
  boundLinkWait(rt, live);
  live.firstState.resolve();
}

/** From the first QR or code on: the link ends, and its Chromium closes, unless used within `linkWaitMs`. */
function boundLinkWait(rt: WwebjsRuntime, live: Live): void {
  live.linkTimer ??= setTimeout(() => {
    if (!rt.isCurrent(live) || live.ready) return;
    const { status } = rt.getState(live.referrerUserId);
    if (status !== "pending_qr" && status !== "pending_pairing") return;
    endLive(rt, live, { status: "disconnected", phone: null, reason: "linking expired: the code was not used in time" });
  }, rt.linkWaitMs);
  live.linkTimer.unref();
}

function onAuthenticated(rt: WwebjsRuntime, live: Live): void {
  if (!rt.isCurrent(live) || live.ready) return;
  const { status, phone } = rt.getState(live.referrerUserId);
  if (status === "pending_qr" || status === "pending_pairing") rt.setState(live.referrerUserId, { status: "connecting", phone });
}

function onChangeState(rt: WwebjsRuntime, live: Live, state: string): void {
  // Synchronously: RemoteAuth.disconnect deletes the stored session before `disconnected` (Client.js:845-853).
  if (rt.isCurrent(live) && unlinks(state)) live.store.allowDeletion();
  // Not before the catch-up: a CONNECTED now would let sends start before the opt-outs are read.
  if (!rt.isCurrent(live) || !live.caughtUp) return;
  const previous = rt.getState(live.referrerUserId);
  const next = stateAfterChange(state, previous.phone);
  if (!next || next.status === previous.status) return;
  // Back from TIMEOUT/OPENING: what came during the outage may not be flagged new (the sync),
  // so the chats are read again before sends resume.
  if (next.status === "connected") rt.background(catchUpAgain(rt, live, "WhatsApp Web reconnected"), "catch-up after a reconnect failed");
  else rt.setState(live.referrerUserId, next);
}

function onDisconnected(rt: WwebjsRuntime, live: Live, reason: string): void {
  if (!rt.isCurrent(live)) return;
  const loggedOut = unlinks(reason);
  // Synchronously: the library deletes the stored session right after emitting LOGOUT.
  if (loggedOut) live.store.allowDeletion();
  const { phone } = rt.getState(live.referrerUserId);
  if (blocksRestore(reason)) {
    // Stored with the session: no process restores it on its own, here or after a restart.
    const why = stateAfterDisconnect(reason, phone).reason ?? reason;
    rt.background(rt.blocked.block(live.referrerUserId, why, { scope: "session", pool: rt.pool, at: rt.clock.now() }), "could not store a restore block: it holds in this process only");
  }
  if (reason === WAState.DEPRECATED_VERSION) {
    endLive(rt, live, afterDeprecatedBuild(rt, live, phone));
    return;
  }
  endLive(rt, live, stateAfterDisconnect(reason, phone), { forgetStoredSession: loggedOut });
}

/**
 * WhatsApp refuses the build this client loaded: the next restore loads the fallback build. With
 * none left, restoring would start a Chromium that fails the same way on every run: restores stop
 * until the referrer connects again (or the process restarts with a current pin).
 */
function afterDeprecatedBuild(rt: WwebjsRuntime, live: Live, phone: E164 | null): LinkState {
  if (rt.webBuild.deprecated(live.webVersion)) {
    return { status: "disconnected", phone, reason: `WhatsApp deprecated the WhatsApp Web build ${live.webVersion} (DEPRECATED_VERSION): restored with build ${rt.webBuild.get().version} on the next send` };
  }
  const reason = `WhatsApp deprecated the WhatsApp Web build ${live.webVersion} (DEPRECATED_VERSION) and no other build is configured: not restored until the server is updated`;
  // This process's configuration is the cause: another instance (or a restart with a current pin) may restore it.
  rt.background(rt.blocked.block(live.referrerUserId, reason, { scope: "process", pool: rt.pool, at: rt.clock.now() }), "could not block restores");
  rt.logger.error({ referrerUserId: live.referrerUserId, webVersion: live.webVersion }, "WhatsApp deprecated the WhatsApp Web build and no other build is left: sessions are not restored");
  return { status: "failed", phone, reason };
}

async function onMessage(rt: WwebjsRuntime, live: Live, message: Message): Promise<void> {
  if (!rt.isCurrent(live)) return;
  await live.inbox.onLive(message);
}

async function onEdit(rt: WwebjsRuntime, live: Live, message: Message, newBody: string): Promise<void> {
  if (!rt.isCurrent(live)) return;
  await live.inbox.onEdit(message, newBody);
}

function onAck(rt: WwebjsRuntime, live: Live, message: Message, ack: MessageAck): void {
  if (!rt.isCurrent(live) || !message.fromMe) return;
  const status = receiptStatus(ack);
  if (status) rt.emit({ type: "receipt", referrerUserId: live.referrerUserId, messageId: message.id._serialized, status, at: rt.clock.now() });
}
