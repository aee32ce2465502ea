import type { E164, LinkState } from "@relance/core";
import { forgetContactIn } from "./contact-erasure.js";
import { Reconnects } from "./disconnect-policy.js";
import { BaileysInbox } from "./inbox.js";
import { LinkPrompts } from "./link-prompts.js";
import { NewChatQuotaWatch } from "./new-chat-quota.js";
import { ReadinessGate } from "./readiness.js";
import { RestrictionWatch } from "./restrictions.js";
import { SessionCreds } from "./session-creds.js";
import type { SessionDeps, SessionMode } from "./session-types.js";
import type { BaileysSocket, LidMapping } from "./socket.js";

/**
 * What a session is made of, by concern: its stored creds; linking (the QR or pairing code
 * shown); inbound (the inbox and the readiness gate: "ready means read"); sending (WhatsApp's
 * restrictions and new-chat quota); and its reconnects. The session (session.ts) holds the
 * lifecycle that drives them.
 */
export interface SessionParts {
  creds: SessionCreds;
  prompts: LinkPrompts;
  inbox: BaileysInbox;
  readiness: ReadinessGate;
  restrictions: RestrictionWatch;
  newChatQuota: NewChatQuotaWatch;
  reconnects: Reconnects;
}

/** What the parts ask of the session. */
export interface SessionSide {
  /** Socket `gen` is the session's current one. */
  isCurrent(gen: number): boolean;
  /** The LID store of the socket that is up, if any. */
  lidMapping(): LidMapping | null;
  linked(): boolean;
  /** A state to show the referrer (ignored once the session stopped). */
  show(state: LinkState): void;
  /** Socket `gen` drained its backlog: the session may be reported connected. */
  ready(gen: number, sock: BaileysSocket): void;
  /** The link failed; `discard`: the creds it left are worthless. */
  linkFailed(state: LinkState, discard: boolean): Promise<void>;
  restrictionChanged(): void;
}

export function sessionParts(deps: SessionDeps, mode: SessionMode, side: SessionSide): SessionParts {
  const { referrerUserId, logger, clock, timeouts } = deps;
  const creds = new SessionCreds(deps.auth, deps.baileysLogger, logger, referrerUserId);
  const inbox = new BaileysInbox({ referrerUserId, book: deps.book, clock, logger, lidMapping: () => side.lidMapping(), deliver: (message) => deps.hooks.inbound(message) });
  const newChatQuota = new NewChatQuotaWatch(clock);
  const restrictions = new RestrictionWatch(clock, () => side.restrictionChanged(), timeouts.restrictionHoldMs, (info) => newChatQuota.onCapping(info));
  const readiness = new ReadinessGate({ referrerUserId, logger, timeouts, inbox, restrictions, ready: (gen, sock) => side.ready(gen, sock) });
  const prompts = new LinkPrompts({
    referrerUserId,
    logger,
    mode,
    pairingMs: timeouts.pairingMs,
    ...(deps.printQrInTerminal ? { printQrInTerminal: deps.printQrInTerminal } : {}),
    isCurrent: (gen) => side.isCurrent(gen),
    linked: () => side.linked(),
    show: (state) => side.show(state),
    fail: (state, discard) => side.linkFailed(state, discard),
  });
  return { creds, prompts, inbox, readiness, restrictions, newChatQuota, reconnects: new Reconnects({ settings: deps.reconnect, ...(deps.random ? { random: deps.random } : {}), logger, referrerUserId, versionRejected: () => deps.versionRejected() }) };
}

/** Erasure in a running session (see `forgetContactIn`), in turn with the replies being handled. */
export function forgetInSession(deps: SessionDeps, parts: SessionParts, lidMapping: LidMapping | null, phone: E164): Promise<void> {
  const keys = parts.creds.auth.keys;
  return parts.inbox.exclusive(() =>
    forgetContactIn(
      {
        book: deps.book,
        keys: {
          get: async (type, ids) => keys.get(type, ids),
          delete: async (type, ids) => keys.set({ [type]: Object.fromEntries(ids.map((id) => [id, null])) }),
        },
        lidMapping,
      },
      phone,
    ),
  );
}
