import type { LinkState } from "@relance/core";
import { afterPoolClose, type PoolCloseReason } from "../session/pool-closed.js";
import { destroyClient } from "./browser-teardown.js";
import { LinkEnded, type Live } from "./live.js";
import type { WwebjsRuntime } from "./runtime.js";
import { sessionIdOf } from "./session-ids.js";

/**
 * This live is no longer the referrer's session. With `forgetStoredSession` (a logout), the
 * stored session is deleted and the client may no longer write it.
 */
export function endLive(rt: WwebjsRuntime, live: Live, state: LinkState, options: { forgetStoredSession?: boolean } = {}): void {
  if (!rt.isCurrent(live)) return;
  rt.detach(live);
  if (options.forgetStoredSession) {
    live.store.allowDeletion();
    live.store.stopWriting();
    rt.background(rt.sessions.clear(sessionIdOf(live.referrerUserId)), "could not delete a logged-out session");
  }
  rt.setState(live.referrerUserId, state);
  if (!live.firstState.settled) live.firstState.reject(new LinkEnded(state));
  else rt.background(shutDown(rt, live), "whatsapp-web.js session teardown failed");
}

/** Closes a live session, through the pool when it holds it (which also gives the lease back). */
export async function shutDown(rt: WwebjsRuntime, live: Live): Promise<void> {
  const pooled = live.firstState.settled ? await live.pooled.promise : false;
  if (pooled && rt.pool.get(live.referrerUserId) === live) await rt.pool.release(live.referrerUserId);
  else await closeLive(rt, live);
}

/** `PooledSession.close`: destroys the client, keeping the stored session. Never rejects. */
export function closeLive(rt: WwebjsRuntime, live: Live): Promise<void> {
  live.closing ??= (async () => {
    clearTimeout(live.linkTimer);
    rt.detach(live);
    if (!live.firstState.settled) live.firstState.reject(new LinkEnded(rt.getState(live.referrerUserId)));
    // A process that lost the lease must not overwrite the backups of the one that took it.
    const lease = await rt.leases.get(rt.pool.leaseName(live.referrerUserId)).catch(() => null);
    if (lease?.owner !== rt.instanceId) live.store.stopWriting();
    live.client.removeAllListeners();
    const teardown = { timeoutMs: rt.destroyTimeoutMs, logger: rt.logger, referrerUserId: live.referrerUserId };
    const { destroying } = await destroyClient(live.client, teardown);
    if (!live.client.pupBrowser && live.initializing) watchForLateBrowser(rt, live, teardown);
    // The final backup runs inside destroy(), after the browser closed: the lease is given back
    // (by our caller) only once it is written, so it never lands over the backups of the process
    // that takes the session next. One that outlives its own limit is dropped.
    if (destroying && !(await settlesWithin(destroying, rt.finalBackupTimeoutMs))) {
      rt.logger.warn({ referrerUserId: live.referrerUserId, limitMs: rt.finalBackupTimeoutMs }, "whatsapp-web.js final backup too slow: dropped, the previous backup stays");
    }
    live.store.stopWriting();
  })();
  return live.closing;
}

async function settlesWithin(promise: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  return Promise.race([promise.then(() => true as const), limit]).finally(() => clearTimeout(timer));
}

/**
 * A client destroyed while puppeteer was still launching has no browser to close yet: the one
 * that appears afterwards is closed as soon as it does.
 */
function watchForLateBrowser(rt: WwebjsRuntime, live: Live, teardown: Parameters<typeof destroyClient>[1]): void {
  const giveUpAt = Date.now() + 2 * 60_000;
  const timer = setInterval(() => {
    if (live.client.pupBrowser) {
      clearInterval(timer);
      rt.background(destroyClient(live.client, teardown), "late Chromium teardown failed");
    } else if (!live.initializing || Date.now() > giveUpAt) {
      clearInterval(timer);
    }
  }, 250);
  timer.unref();
}

/** The pool closed a session on its own: the shared rule (session/pool-closed.ts) says what the referrer sees. */
export function onPoolClosed(rt: WwebjsRuntime, referrerUserId: string, why: PoolCloseReason): void {
  if (rt.current.has(referrerUserId)) return;
  const after = afterPoolClose(rt.getState(referrerUserId), why);
  if (!after) return;
  if (after.announce) rt.setState(referrerUserId, after.state);
  else rt.setQuietly(referrerUserId, after.state);
}
