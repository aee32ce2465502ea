import type { EngineContext } from "../engine/context.js";
import { normalizePhone, type E164 } from "../model/phone.js";
import { doNotContactKey } from "./do-not-contact.js";
import { PURGED_CONTACT } from "../model/target.js";
import { HEALTH_COUNTER_PREFIX, hourKey } from "../policies/sender-health.js";

const BATCH = 500;
const DAY_MS = 24 * 60 * 60_000;

export interface RetentionResult {
  purged: number;
}

/**
 * Retention: `retentionDays` after a target left the loop, its contact (phone, name, payment link)
 * is emptied, and the directory's own record of that referral under that referrer, if it keeps
 * one (the stored directory: the same number, name and payment link, security review 2, L4), is
 * deleted (`Directory.purgeReferrals`). What is left (ids, days sent,
 * outcome) keeps the statistics and the once-ever rule, which needs no directory record.
 *
 * The record goes first, then the target's contact, batch by batch: a run stopped in between
 * finds the same targets again (still holding a contact), and several processes running it at
 * once each purge what they listed.
 *
 * A referral that exited (`exitUser`: paid, manual) `retentionDays` ago loses its directory
 * records too, under every referrer: one that left before any enrollment has no target to lead
 * there, and is never enrolled again anyway (the exited users are checked).
 */
export async function runRetention(ctx: EngineContext): Promise<RetentionResult> {
  await purgeHealthCounters(ctx);
  const days = ctx.options.retentionDays;
  if (days === null) return { purged: 0 };
  const cutoff = new Date(ctx.clock.now().getTime() - days * DAY_MS);
  // Read before the purge empties them: the sessions forget these numbers too (X3).
  const forgettable = ctx.transport.forgetContact ? await contactsDueForPurge(ctx, cutoff) : [];
  let purged = 0;
  for (;;) {
    const batch = await ctx.storage.targets.listPurgeable(cutoff, BATCH);
    if (batch.length === 0) break;
    await ctx.directory.purgeReferrals?.(batch.map((t) => ({ referrerId: t.referrerUserId, userId: t.referralUserId })));
    purged += await ctx.storage.targets.purgeContacts(batch.map((t) => t.id));
    if (batch.length < BATCH) break;
  }
  const exitedRecords = await purgeExitedReferrals(ctx, cutoff);
  for (const { referrerUserId, phone } of forgettable) {
    try {
      await ctx.transport.forgetContact!(referrerUserId, phone);
    } catch (error) {
      ctx.logger.warn({ referrerUserId, err: error instanceof Error ? error.message : String(error) }, "retention: the WhatsApp session could not forget a contact");
    }
  }
  if (purged > 0) ctx.logger.info({ purged, retentionDays: days }, "contacts of ended targets purged");
  if (exitedRecords > 0) ctx.logger.info({ directoryRecords: exitedRecords, retentionDays: days }, "directory records of exited referrals purged");
  return { purged };
}

/**
 * The directory records of referrals that exited before `cutoff`, under every referrer. Pages
 * through every such exit on each run (the exited users stay: they are what keeps an exit for good),
 * deleting what is left of them.
 */
async function purgeExitedReferrals(ctx: EngineContext, cutoff: Date): Promise<number> {
  const purge = ctx.directory.purgeReferralRecords?.bind(ctx.directory);
  if (!purge) return 0;
  let deleted = 0;
  let after: string | null = null;
  for (;;) {
    const userIds = await ctx.storage.exitedUsers.listExitedBefore(cutoff, after, BATCH);
    if (userIds.length === 0) break;
    deleted += await purge(userIds);
    if (userIds.length < BATCH) break;
    after = userIds[userIds.length - 1]!;
  }
  return deleted;
}

/**
 * The (referrer, number) pairs whose last target the purge empties: what the referrer's session
 * keeps about that number (its WhatsApp id, LID, replies waiting) goes with it. A number another
 * target of the same referrer still holds (active, or ended too recently) is kept. Pages through
 * the targets, like erasure: retention runs once a day.
 */
async function contactsDueForPurge(ctx: EngineContext, cutoff: Date): Promise<Array<{ referrerUserId: string; phone: E164 }>> {
  const due = new Map<string, { referrerUserId: string; phone: E164 }>();
  const kept = new Set<string>();
  let after: string | null = null;
  do {
    const page = await ctx.storage.targets.list({}, { limit: BATCH, after });
    for (const target of page.items) {
      const { phone } = target.contact;
      if (phone === PURGED_CONTACT.phone) continue;
      const key = `${target.referrerUserId} ${phone}`;
      const purgedNow = target.status !== "active" && target.exitedLoopAt !== null && target.exitedLoopAt < cutoff;
      if (purgedNow) due.set(key, { referrerUserId: target.referrerUserId, phone });
      else kept.add(key);
    }
    after = page.nextCursor;
  } while (after !== null);
  return [...due].filter(([key]) => !kept.has(key)).map(([, contact]) => contact);
}

export interface ErasureResult {
  targets: number;
  directoryRecords: number;
  config: boolean;
  session: boolean;
}

/**
 * Erasure (GDPR): removes a person's data everywhere — as a referral (their targets, the records
 * the directory keeps of them: `Directory.eraseUser`) and as a referrer (their config, their
 * WhatsApp session, the targets and referrals under them). The do-not-contact list keeps its
 * entry, if any: it is what stops anyone from writing to them again.
 *
 * What stays is a tombstone: the (pseudonymous) user id among the exited users, which enrollment
 * checks for every referrer, and (with `contactKey`) the keyed hashes of their numbers — those of
 * their targets and any the caller names in `phones` — on the do-not-contact list. Without it the directory's next listing, or the platform's next push,
 * enrolled the person again from day 1 (security review 2, M4). The platform must delete the
 * person from its own directory as well.
 */
export async function eraseUser(ctx: EngineContext, userId: string, options: { phones?: readonly string[] } = {}): Promise<ErasureResult> {
  const config = await ctx.storage.configs.get(userId);
  let session = false;
  if (config) {
    // Logging out unlinks the device and deletes the stored session.
    try {
      await ctx.transport.disconnect(userId, { logout: true });
      session = true;
    } catch (error) {
      ctx.logger.warn({ userId, err: error instanceof Error ? error.message : String(error) }, "erasure: the WhatsApp session could not be logged out");
    }
  }
  // The tombstone first: an enrollment pass running meanwhile cannot enroll them again. With a
  // contact key it also holds the keyed hash of each number they were messaged on, so the same
  // person pushed again under another user id is not messaged either (never the number itself).
  await ctx.storage.exitedUsers.record({ userId, reason: "manual", exitedAt: ctx.clock.now() });
  if (ctx.options.contactKey) {
    const phones = new Set([...(await ctx.storage.targets.phonesOfReferral(userId)), ...(options.phones ?? [])]);
    for (const raw of phones) {
      const phone = normalizePhone(raw);
      if (phone) await ctx.storage.doNotContact.add({ phone: doNotContactKey(ctx, phone), reason: "erased", referrerUserId: null, addedAt: ctx.clock.now() });
    }
  }
  await forgetInSessions(ctx, userId);
  const targets = await ctx.storage.targets.deleteByUser(userId);
  const directoryRecords = (await ctx.directory.eraseUser?.(userId)) ?? 0;
  const deletedConfig = await ctx.storage.configs.delete(userId);
  // Deleted rows must not stay readable in the live files (the SQLite WAL) either.
  try {
    await ctx.storage.reclaim?.();
  } catch (error) {
    ctx.logger.warn({ userId, err: error instanceof Error ? error.message : String(error) }, "erasure: the storage could not reclaim the erased data's space");
  }
  ctx.logger.info({ userId, targets, directoryRecords, config: deletedConfig, session }, "user erased");
  return { targets, directoryRecords, config: deletedConfig, session };
}

/**
 * What the referrers' sessions keep about the person as a referral (their number's WhatsApp id,
 * replies waiting for a number, ids of their messages): the transport forgets it, for each of
 * their targets, before the targets (which name the referrers and the number) are deleted.
 */
async function forgetInSessions(ctx: EngineContext, userId: string): Promise<void> {
  const forget = ctx.transport.forgetContact?.bind(ctx.transport);
  if (!forget) return;
  const contacts = (await ctx.storage.targets.contactsOfReferral(userId)).filter(({ phone }) => phone !== PURGED_CONTACT.phone);
  for (const { referrerUserId, phone } of contacts) {
    try {
      await forget(referrerUserId, phone);
    } catch (error) {
      ctx.logger.warn({ userId, referrerUserId, err: error instanceof Error ? error.message : String(error) }, "erasure: the WhatsApp session could not forget a contact");
    }
  }
}

/**
 * Senders' hourly health counters (counts only, no personal data) are read over the lookback:
 * older ones are deleted here, a day past it (MongoDB's TTL index also removes them).
 */
async function purgeHealthCounters(ctx: EngineContext): Promise<void> {
  const before = hourKey(ctx.clock.now().getTime() - ctx.options.healthLookbackMs - DAY_MS);
  const deleted = await ctx.storage.counters.purgeBefore(HEALTH_COUNTER_PREFIX, before);
  if (deleted > 0) ctx.logger.debug({ deleted }, "old sender health counters purged");
}
