import { SessionDrivenElsewhereError, type Clock, type E164, type LinkState, type Logger } from "@relance/core";
import type { SessionRepository } from "../../ports/session-repository.js";
import type { SessionCipher } from "../../crypto/session-cipher.js";
import { messageOf } from "./error-message.js";
import type { LinkRegistry } from "./link-registry.js";
import { closedByReferrer, type RestoreBlocks } from "./restore-guard.js";

/**
 * The referrer's `disconnect`, for both drivers: what a close and a logout do to the stored
 * session, the restore guard and the link state. The driver only says how its library closes,
 * restores and unlinks a session.
 *
 * - Without logout: the closed-by-referrer marker is stored first (so that a concurrent
 *   `ensureReady`, here or in another process, cannot bring the session back in between), then
 *   the running session closes; the device stays linked.
 * - With logout: unlinking needs the library connected (otherwise the device stays listed on the
 *   phone), so a stored session nobody runs here is restored just to log it out. Whatever happens
 *   there, the stored session is deleted and the referrer is `logged_out`.
 */
export interface DisconnectDriver<S> {
  transport: string;
  sessions: SessionRepository;
  cipher: SessionCipher;
  clock: Clock;
  logger: Logger;
  links: LinkRegistry;
  blocks: RestoreBlocks;
  sessionIdOf(referrerUserId: string): string;
  /** The session running here for the referrer, or null. */
  running(referrerUserId: string): S | null;
  /** A session still starting, once its first state is known: null when it ended meanwhile. */
  settle(session: S): Promise<S | null>;
  /** Whether a linked session is stored (something to restore). */
  stored(referrerUserId: string): Promise<boolean>;
  /** Brings the stored session up to log it out; null when there was nothing to bring up. */
  restore(referrerUserId: string): Promise<S | null>;
  /** The session's phone, when it knows it. */
  phoneOf(session: S): E164 | null;
  /** Closes the session, the device staying linked; gives its lease back. */
  close(referrerUserId: string, session: S): Promise<void>;
  /** Unlinks the device when connected (a failure is logged, never thrown), then closes the session. */
  logOut(referrerUserId: string, session: S): Promise<void>;
}

export const DISCONNECTED_BY_REFERRER = "disconnected by the referrer";
export const LOGGED_OUT_BY_REFERRER = "logged out by the referrer";

export async function disconnectByReferrer<S>(driver: DisconnectDriver<S>, referrerUserId: string, options: { logout: boolean }): Promise<LinkState> {
  const { links } = driver;
  const sessionId = driver.sessionIdOf(referrerUserId);
  const running = driver.running(referrerUserId);
  if (!options.logout) {
    // Marked before closing; only when there is a session (a marker alone would create one).
    if (running || (await driver.sessions.exists(sessionId))) await closedByReferrer(driver.sessions, driver.cipher, sessionId).set(driver.clock.now());
    const phone = (running ? driver.phoneOf(running) : null) ?? links.get(referrerUserId)?.phone ?? null;
    if (running) await driver.close(referrerUserId, running);
    return links.update(referrerUserId, { status: "disconnected", phone, reason: DISCONNECTED_BY_REFERRER });
  }

  let session = running ? await driver.settle(running) : null;
  if (!session && (await driver.stored(referrerUserId))) {
    try {
      session = await driver.restore(referrerUserId);
    } catch (error) {
      if (error instanceof SessionDrivenElsewhereError) throw error;
      driver.logger.warn({ referrerUserId, err: messageOf(error) }, `${driver.transport} session could not be restored to log out; deleting it anyway`);
    }
  }
  if (session) await driver.logOut(referrerUserId, session);
  await driver.sessions.clear(sessionId);
  await driver.blocks.lift(referrerUserId);
  return links.update(referrerUserId, { status: "logged_out", phone: null, reason: LOGGED_OUT_BY_REFERRER });
}

/**
 * `ensureReady` found the referrer's marker: the session is not restored, and the referrer's
 * state says why (recorded quietly: nothing changed for them).
 */
export function closedByReferrerState(links: LinkRegistry, referrerUserId: string): LinkState {
  const state: LinkState = { status: "disconnected", phone: links.get(referrerUserId)?.phone ?? null, reason: DISCONNECTED_BY_REFERRER };
  links.set(referrerUserId, state);
  return { ...state };
}
