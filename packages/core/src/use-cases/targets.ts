import type { EngineContext } from "../engine/context.js";
import { ValidationError } from "../errors.js";
import { TARGET_STATUSES, type TargetStatus } from "../model/target.js";
import type { TargetPage } from "../ports/storage.js";

export interface ListTargetsInput {
  status?: TargetStatus;
  limit?: number;
  cursor?: string | null;
}

export const MAX_PAGE_SIZE = 200;
export const DEFAULT_PAGE_SIZE = 50;

/** A referrer's own targets, oldest enrolled first, by pages. */
export async function listTargets(ctx: EngineContext, referrerUserId: string, input: ListTargetsInput): Promise<TargetPage> {
  const limit = input.limit ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    throw new ValidationError("Invalid page size", [{ path: "limit", message: `an integer from 1 to ${MAX_PAGE_SIZE}` }]);
  }
  if (input.status !== undefined && !TARGET_STATUSES.includes(input.status)) {
    throw new ValidationError("Invalid status filter", [{ path: "status", message: `one of ${TARGET_STATUSES.join(", ")}` }]);
  }
  return ctx.storage.targets.list(
    { referrerUserId, ...(input.status ? { status: input.status } : {}) },
    { limit, after: input.cursor ?? null },
  );
}
