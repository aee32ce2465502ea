import type { DoNotContactEntry } from "../../model/do-not-contact.js";
import type { E164 } from "../../model/phone.js";

export interface DoNotContactRepository {
  /** Idempotent; the first entry for a number is kept. */
  add(entry: DoNotContactEntry): Promise<void>;
  has(phone: E164): Promise<boolean>;
  /** Of the given numbers, those on the list. */
  filterListed(phones: readonly E164[]): Promise<Set<E164>>;
  remove(phone: E164): Promise<boolean>;
}
