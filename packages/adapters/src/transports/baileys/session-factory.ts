import { AddressBook } from "./address-book.js";
import { useStorageAuthState } from "./auth-state.js";
import { closedByReferrer } from "../session/restore-guard.js";
import type { ReconnectSettings } from "./disconnect-policy.js";
import { encryptedEntries } from "./encrypted-entries.js";
import { leaseGuard } from "./lease-guard.js";
import type { BaileysLogger } from "./logger.js";
import { SentMessageStore } from "./sent-messages.js";
import { BaileysSession } from "./session.js";
import type { SessionHooks, SessionMode, SessionTimeouts } from "./session-types.js";
import { DEFAULT_BROWSER, isLinked, type MakeBaileysSocket } from "./socket.js";
import type { BaileysTransportOptions } from "./transport-options.js";
import type { WaVersionSource } from "./wa-version.js";
import type { Logger } from "@relance/core";

/** Thrown inside the pool's `open` when there is no linked session to bring back. */
export class NothingToRestore extends Error {}

/** What every session of one transport shares. */
export interface SessionFactory {
  options: BaileysTransportOptions;
  logger: Logger;
  baileysLogger: BaileysLogger;
  makeSocket: MakeBaileysSocket;
  reconnect: ReconnectSettings;
  timeouts: SessionTimeouts;
  versions: WaVersionSource;
  /** Whether this process holds the referrer's session lease (read from storage). */
  ownsLease(referrerUserId: string): Promise<boolean>;
}

/** The session repository id of a referrer's Baileys session. */
export function sessionIdOf(referrerUserId: string): string {
  return `baileys:${referrerUserId}`;
}

/**
 * Loads the referrer's auth state and builds their session (its first socket is started by the
 * caller, once it is in the pool). A restore needs a linked device; a new link starts from fresh
 * creds, dropping the leftovers of a link that never completed. Runs under the session lease.
 */
export async function openBaileysSession(factory: SessionFactory, referrerUserId: string, mode: SessionMode, hooks: SessionHooks): Promise<BaileysSession> {
  const { options, versions } = factory;
  const { sessions, cipher, clock } = options;
  const sessionId = sessionIdOf(referrerUserId);
  // Resolved before the first socket of the process, then once a day (bounded wait).
  await versions.current();
  const mayWrite = leaseGuard({ ownsLease: () => factory.ownsLease(referrerUserId), clock, logger: factory.logger, referrerUserId });
  let auth = await useStorageAuthState({ sessions, cipher, sessionId, mayWrite });
  if (mode.kind === "restore") {
    if (!isLinked(auth.state.creds)) throw new NothingToRestore(`no linked session stored for ${referrerUserId}`);
  } else if (isLinked(auth.state.creds)) {
    await closedByReferrer(sessions, cipher, sessionId).clear();
  } else if (await sessions.exists(sessionId)) {
    // Leftovers of a link that never completed: a new link starts from fresh creds.
    await auth.clear();
    auth = await useStorageAuthState({ sessions, cipher, sessionId, mayWrite });
  }
  const entries = encryptedEntries(sessions, cipher, sessionId);
  return new BaileysSession(
    {
      referrerUserId,
      sessionId,
      auth,
      makeSocket: factory.makeSocket,
      clock,
      logger: factory.logger,
      baileysLogger: factory.baileysLogger.child({ referrerUserId }),
      browser: options.browser ?? DEFAULT_BROWSER,
      reconnect: factory.reconnect,
      book: new AddressBook(entries),
      sentMessages: new SentMessageStore(entries, clock, factory.logger, options.sentMessageRetentionDays),
      version: () => versions.latest,
      versionRejected: () => void versions.refresh(),
      timeouts: factory.timeouts,
      ...(options.random ? { random: options.random } : {}),
      ...(options.printQrInTerminal ? { printQrInTerminal: options.printQrInTerminal } : {}),
      hooks,
    },
    mode,
  );
}
