import type { EngineContext } from "../engine/context.js";
import type { E164 } from "../model/phone.js";

/** What goes on the do-not-contact list for a number: its keyed hash, or the number without a key. */
export function doNotContactKey(ctx: EngineContext, phone: E164): string {
  return ctx.options.contactKey ? ctx.options.contactKey(phone) : phone;
}

/**
 * The numbers among `phones` that are on the do-not-contact list, listed under their keyed hash or
 * in clear (entries written before the list was hashed keep working).
 */
export async function listedNumbers(ctx: EngineContext, phones: readonly E164[]): Promise<Set<E164>> {
  if (phones.length === 0) return new Set();
  const key = ctx.options.contactKey;
  if (!key) return ctx.storage.doNotContact.filterListed(phones);
  const keys = phones.map((phone) => key(phone));
  const listed = await ctx.storage.doNotContact.filterListed([...phones, ...keys]);
  return new Set(phones.filter((phone, index) => listed.has(phone) || listed.has(keys[index]!)));
}
