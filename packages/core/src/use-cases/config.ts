import type { EngineContext } from "../engine/context.js";
import { ValidationError, type FieldIssue } from "../errors.js";
import { ON_REPLY_MODES, type ReferrerConfigPatch } from "../model/referrer-config.js";
import { sendWindowIssues } from "../model/send-window.js";
import { isValidTimeZone } from "../policies/time-zone.js";
import { loadConfig } from "./load-config.js";
import { publishStatus, type ReferrerStatus } from "./status.js";
import { resumeHeld } from "./sender-holds.js";

export async function updateConfig(ctx: EngineContext, referrerUserId: string, patch: ReferrerConfigPatch): Promise<ReferrerStatus> {
  const issues: FieldIssue[] = [];
  for (const flag of ["enabled", "enrollmentPaused", "sendingPaused"] as const) {
    if (patch[flag] !== undefined && typeof patch[flag] !== "boolean") issues.push({ path: flag, message: "must be a boolean" });
  }
  if (patch.timezone !== undefined && !isValidTimeZone(patch.timezone)) {
    issues.push({ path: "timezone", message: "not an IANA time zone (e.g. Europe/Paris)" });
  }
  if (patch.sendWindow !== undefined) {
    for (const issue of sendWindowIssues(patch.sendWindow)) issues.push({ ...issue, path: `sendWindow.${issue.path}` });
  }
  if (patch.onReply !== undefined && !ON_REPLY_MODES.includes(patch.onReply)) {
    issues.push({ path: "onReply", message: `must be one of ${ON_REPLY_MODES.join(", ")}` });
  }
  if (issues.length > 0) throw new ValidationError("Invalid configuration", issues);

  const before = await loadConfig(ctx, referrerUserId);
  const { enabled, enrollmentPaused, sendingPaused, timezone, sendWindow, onReply } = patch;
  const changes = Object.fromEntries(
    Object.entries({ enabled, enrollmentPaused, sendingPaused, timezone, sendWindow, onReply }).filter(([, value]) => value !== undefined),
  );
  const updated = await ctx.storage.configs.update(referrerUserId, { ...changes, updatedAt: ctx.clock.now() });
  // Resumed or re-enabled: what the hold deferred is due again now.
  if ((before.sendingPaused && sendingPaused === false) || (!before.enabled && enabled === true)) await resumeHeld(ctx, referrerUserId);
  return publishStatus(ctx, updated!);
}
