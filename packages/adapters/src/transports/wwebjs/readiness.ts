import type { E164 } from "@relance/core";
import { withTimeout } from "./deferred.js";
import { describe } from "./events.js";
import { lidOf, phoneOfJid } from "../session/jid.js";
import { endLive } from "./lifecycle.js";
import type { Live } from "./live.js";
import { CLOSED_BY_REFERRER_KEY, RESTORE_BLOCKED_KEY } from "../session/restore-guard.js";
import type { WwebjsRuntime } from "./runtime.js";
import { RESTORE_REFUSED_KEY } from "./session-book.js";
import { sessionIdOf } from "./session-ids.js";

/** `ready`: the session is reported connected only once the messages received while it was closed are read. */
export async function onReady(rt: WwebjsRuntime, live: Live): Promise<void> {
  if (!rt.isCurrent(live)) return;
  // A second `ready`: WhatsApp Web navigated and the library injected again (Client.js:495-503).
  // What reached the phone meanwhile came with the sync, never as `message`: read it again.
  if (live.ready) return catchUpAgain(rt, live, "WhatsApp Web loaded again");
  live.ready = true;
  rt.webBuild.loaded(live.webVersion);
  const phone = await ownPhone(rt, live);
  if (!rt.isCurrent(live)) return;
  try {
    await live.store.adoptRestored();
    // Before "connected": a STOP that arrived while no client ran must be seen before a send.
    const caughtUp = await withTimeout(live.inbox.catchUp({ newLink: live.purpose.kind === "link" }), rt.options.catchUpTimeoutMs ?? 120_000);
    if (caughtUp > 0) rt.logger.info({ referrerUserId: live.referrerUserId, messages: caughtUp }, "caught up on messages received while the session was closed");
  } catch (error) {
    rt.logger.warn({ referrerUserId: live.referrerUserId, err: describe(error) }, "whatsapp-web.js catch-up failed");
    endLive(rt, live, { status: "disconnected", phone, reason: `could not read the messages received while the session was closed (${describe(error)}); retried on the next send` });
    return;
  }
  if (!rt.isCurrent(live)) return;
  live.caughtUp = true;
  rt.setState(live.referrerUserId, { status: "connected", phone });
  live.firstState.resolve();
  rt.background(
    rt.sessions.set(sessionIdOf(live.referrerUserId), { [CLOSED_BY_REFERRER_KEY]: null, [RESTORE_REFUSED_KEY]: null, [RESTORE_BLOCKED_KEY]: null }),
    "could not clear the closed-by-referrer marker",
  );
}

/**
 * A running session is back (a second `ready`, or CONNECTED after TIMEOUT): it reports
 * `connecting` and reads its chats again before `connected`, as on the first `ready`. Nothing to
 * do while the first catch-up still runs: it reads everything up to its end.
 */
export async function catchUpAgain(rt: WwebjsRuntime, live: Live, why: string): Promise<void> {
  if (!rt.isCurrent(live) || !live.caughtUp) return;
  live.caughtUp = false;
  const { referrerUserId } = live;
  const phone = rt.getState(referrerUserId).phone;
  rt.setState(referrerUserId, { status: "connecting", phone, reason: `${why}: reading the messages received meanwhile` });
  try {
    const caughtUp = await withTimeout(live.inbox.catchUp({ newLink: false }), rt.options.catchUpTimeoutMs ?? 120_000);
    if (caughtUp > 0) rt.logger.info({ referrerUserId, messages: caughtUp }, "caught up on messages received while WhatsApp Web reconnected");
  } catch (error) {
    rt.logger.warn({ referrerUserId, err: describe(error) }, "whatsapp-web.js catch-up failed");
    endLive(rt, live, { status: "disconnected", phone, reason: `could not read the messages received while WhatsApp Web reconnected (${describe(error)}); retried on the next send` });
    return;
  }
  if (!rt.isCurrent(live)) return;
  live.caughtUp = true;
  rt.setState(referrerUserId, { status: "connected", phone });
}

/** The linked account's number; accounts known by a LID only are resolved through WhatsApp. */
async function ownPhone(rt: WwebjsRuntime, live: Live): Promise<E164 | null> {
  const wid = live.client.info?.wid;
  if (!wid) return rt.getState(live.referrerUserId).phone;
  return phoneOfJid(`${wid.user}@${wid.server}`) ?? (lidOf(wid._serialized) ? phoneOfLid(rt, live, wid._serialized) : null);
}

/** Newer chats name people by LID (`<n>@lid`), not by number: ask WhatsApp Web for the number. */
async function phoneOfLid(rt: WwebjsRuntime, live: Live, lid: string): Promise<E164 | null> {
  try {
    const [pair] = await live.client.getContactLidAndPhone([lid]);
    return phoneOfJid(pair?.pn);
  } catch (error) {
    rt.logger.warn({ referrerUserId: live.referrerUserId, err: describe(error) }, "could not resolve a LID to a phone number");
    return null;
  }
}
