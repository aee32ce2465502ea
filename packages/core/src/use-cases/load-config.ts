import type { EngineContext } from "../engine/context.js";
import type { ReferrerConfig } from "../model/referrer-config.js";

/** A referrer's configuration as a first call creates it: linked to nothing, every default. */
export function defaultConfig(ctx: EngineContext, referrerUserId: string): ReferrerConfig {
  const now = ctx.clock.now();
  return {
    referrerUserId,
    enabled: true,
    enrollmentPaused: false,
    sendingPaused: false,
    timezone: ctx.options.defaultTimezone,
    sendWindow: { ...ctx.options.defaultSendWindow },
    whatsapp: { status: "disconnected", phone: null, linkedAt: null, lastError: null, updatedAt: now },
    failureNotifiedAt: null,
    disconnectedByReferrerAt: null,
    restriction: null,
    healthHold: null,
    createdAt: now,
    updatedAt: now,
  };
}

/** The referrer's stored configuration, created with the defaults on first use. */
export function loadConfig(ctx: EngineContext, referrerUserId: string): Promise<ReferrerConfig> {
  return ctx.storage.configs.getOrCreate(defaultConfig(ctx, referrerUserId));
}
