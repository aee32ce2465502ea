import type { EngineContext } from "../engine/context.js";
import { ConflictError, SessionDrivenElsewhereError, SubscriptionRequiredError, ValidationError } from "../errors.js";
import { isLinked } from "../model/referrer-config.js";
import { isE164 } from "../model/phone.js";
import type { LinkMethod, LinkRequest, LinkState } from "../ports/transport.js";
import { applyLinkState } from "./link-state.js";
import { loadConfig } from "./load-config.js";
import { statusOf, type ReferrerStatus } from "./status.js";
import { resumeHeld } from "./sender-holds.js";

/** QR by default; a pairing code names the referrer's own number. */
export type ConnectInput = { method?: "qr"; phone?: undefined } | LinkRequest;

/** A connect request from a caller the types do not hold (plain JavaScript, the HTTP body's shape). */
export interface UncheckedConnectInput {
  method?: LinkMethod | undefined;
  phone?: string | undefined;
}

/**
 * The one runtime check of the rule `ConnectInput`'s types state (a pairing code names a number in
 * E.164 form), giving the request the transport takes: QR by default, a QR request's phone ignored.
 */
export function linkRequestOf(input: UncheckedConnectInput): LinkRequest {
  if (input.method !== "pairing_code") return { method: "qr" };
  if (!isE164(input.phone)) {
    throw new ValidationError("A phone number in E.164 form is required for a pairing code", [{ path: "phone", message: "required for pairing_code, E.164 (+33612345678)" }]);
  }
  return { method: "pairing_code", phone: input.phone };
}

const PENDING_OF: Record<LinkMethod, LinkState["status"]> = { qr: "pending_qr", pairing_code: "pending_pairing" };

/**
 * Starts linking the referrer's WhatsApp account, or reports the link already there. A link in
 * progress with the same method is returned as is; one with the other method is a conflict.
 */
export async function connect(ctx: EngineContext, referrerUserId: string, input: ConnectInput): Promise<LinkState> {
  // Checked again here for callers from plain JavaScript.
  const request = linkRequestOf(input);
  const { method } = request;
  if (method === "pairing_code" && !ctx.transport.capabilities.pairingCode) {
    throw new ValidationError(`The ${ctx.transport.name} transport cannot link by pairing code`, [{ path: "method", message: "use qr" }]);
  }
  if (!(await ctx.directory.hasActiveSubscription(referrerUserId))) throw new SubscriptionRequiredError(referrerUserId);
  if (request.method === "pairing_code") {
    // A pairing code pushes a link-device prompt to the phone named: only ever the referrer's own.
    const own = (await ctx.directory.getReferrer(referrerUserId))?.phone ?? null;
    if (own === null || own !== request.phone) {
      throw new ValidationError("A pairing code can only be asked for the referrer's own WhatsApp number, as registered on the account", [
        { path: "phone", message: own === null ? "no phone number is registered on this account: link by QR code" : "must be the number registered on this account" },
      ]);
    }
  }

  let config = await loadConfig(ctx, referrerUserId);
  if (config.disconnectedByReferrerAt !== null) {
    config = (await ctx.storage.configs.update(referrerUserId, { disconnectedByReferrerAt: null, updatedAt: ctx.clock.now() })) ?? config;
    await resumeHeld(ctx, referrerUserId);
  }
  let current = ctx.transport.getState(referrerUserId);
  if (current.status !== "connected" && isLinked(config)) {
    try {
      current = await ctx.transport.ensureReady(referrerUserId);
    } catch (error) {
      // Another instance drives this session: what it last reported is the answer.
      if (!(error instanceof SessionDrivenElsewhereError) || config.whatsapp.status !== "connected") throw error;
      return { status: "connected", phone: config.whatsapp.phone };
    }
  }
  if (current.status === "connected") {
    await applyLinkState(ctx, referrerUserId, current);
    return current;
  }
  const otherMethodPending = Object.entries(PENDING_OF).find(([m, pending]) => m !== method && pending === current.status);
  if (otherMethodPending) {
    throw new ConflictError(`A link by ${otherMethodPending[0]} is already in progress; disconnect first to switch method`);
  }
  if (current.status === PENDING_OF[method]) return current;

  const state = await ctx.transport.connect(referrerUserId, request);
  await applyLinkState(ctx, referrerUserId, state);
  return state;
}

export async function disconnect(ctx: EngineContext, referrerUserId: string, options: { logout?: boolean }): Promise<ReferrerStatus> {
  await loadConfig(ctx, referrerUserId);
  await ctx.storage.configs.update(referrerUserId, { disconnectedByReferrerAt: ctx.clock.now(), updatedAt: ctx.clock.now() });
  // The referrer knows their sender is down: this outage's notification is spent up front, so
  // the transport's own "logged out" event does not tell them what they just did.
  await ctx.storage.configs.markFailureNotified(referrerUserId, ctx.clock.now());
  const state = await ctx.transport.disconnect(referrerUserId, { logout: options.logout ?? false });
  return statusOf(ctx, await applyLinkState(ctx, referrerUserId, state));
}
