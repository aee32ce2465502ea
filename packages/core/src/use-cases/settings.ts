import type { EngineContext } from "../engine/context.js";
import { ValidationError, type FieldIssue } from "../errors.js";
import { MAX_HOLDOUT_PERCENT, settingsOf, type Settings } from "../model/settings.js";

export async function getSettings(ctx: EngineContext): Promise<Settings> {
  return settingsOf(await ctx.storage.settings.get());
}

/** Only the fields given change; a new `holdoutPercent` applies to targets enrolled from now on. */
export async function updateSettings(ctx: EngineContext, patch: Partial<Settings>): Promise<Settings> {
  const issues: FieldIssue[] = [];
  const percent = patch.holdoutPercent;
  if (percent !== undefined && (typeof percent !== "number" || !Number.isFinite(percent) || percent < 0 || percent > MAX_HOLDOUT_PERCENT)) {
    issues.push({ path: "holdoutPercent", message: `must be a number from 0 to ${MAX_HOLDOUT_PERCENT}` });
  }
  if (issues.length > 0) throw new ValidationError("Invalid settings", issues);
  const changes = percent === undefined ? {} : { holdoutPercent: percent };
  const stored = await ctx.storage.settings.update(changes, ctx.clock.now());
  ctx.logger.info({ ...changes }, "settings changed");
  return settingsOf(stored);
}
