import type { EngineContext } from "../engine/context.js";
import { ValidationError } from "../errors.js";
import { TARGET_STATUSES, type TargetStatus } from "../model/target.js";
import type { E164 } from "../model/phone.js";
import type { RelanceStorage, TargetPage } from "../ports/storage.js";

export interface ListTargetsInput {
  status?: TargetStatus;
  limit?: number;
  cursor?: string | null;
}

export const MAX_PAGE_SIZE = 200;
export const DEFAULT_PAGE_SIZE = 50;

/** A referrer's own targets, oldest enrolled first, by pages. */
export async function listTargets(ctx: EngineContext, referrerUserId: string, input: ListTargetsInput): Promise<TargetPage> {
  return searchTargets(ctx, { ...input, referrerUserId });
}

/** Every referrer's targets (the admin console), or one referrer's with `referrerUserId`, by pages. */
export async function searchTargets(ctx: EngineContext, input: ListTargetsInput & { referrerUserId?: string }): Promise<TargetPage> {
  const limit = input.limit ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    throw new ValidationError("Invalid page size", [{ path: "limit", message: `an integer from 1 to ${MAX_PAGE_SIZE}` }]);
  }
  if (input.status !== undefined && !TARGET_STATUSES.includes(input.status)) {
    throw new ValidationError("Invalid status filter", [{ path: "status", message: `one of ${TARGET_STATUSES.join(", ")}` }]);
  }
  return ctx.storage.targets.list(
    { ...(input.referrerUserId !== undefined ? { referrerUserId: input.referrerUserId } : {}), ...(input.status ? { status: input.status } : {}) },
    { limit, after: input.cursor ?? null },
  );
}

/**
 * The distinct numbers of a referrer's active targets: those a transport must watch for replies
 * (whatsapp-web.js reads their chats on each start, even chats already read).
 */
export async function activeContacts(storage: Pick<RelanceStorage, "targets">, referrerUserId: string): Promise<E164[]> {
  const phones = new Set<E164>();
  for (const target of await storage.targets.listActiveByReferrer(referrerUserId)) phones.add(target.contact.phone);
  return [...phones];
}
