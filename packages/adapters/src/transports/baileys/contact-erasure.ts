import { phoneDigits, type E164 } from "@relance/core";
import type { SessionRepository } from "../../ports/session-repository.js";
import type { SessionCipher } from "../../crypto/session-cipher.js";
import { AddressBook, bareJid } from "./address-book.js";
import { encryptedEntries } from "./encrypted-entries.js";
import { phoneJid } from "../session/jid.js";
import type { LidMapping } from "./socket.js";

/**
 * The signal key store's entries that name a contact, by type: Baileys' LID ↔ phone mapping
 * (`lid-mapping`: `<pn user>` → `<lid user>` and `<lid user>_reverse` → `<pn user>`,
 * lib/Signal/lid-mapping.js:66-76), its device lists (`device-list`: user → device ids,
 * lib/Socket/messages-send.js:250-261), and the end-to-end encryption state per device
 * (`session` and `identity-key`, by signal address `<user>[_<domain>].<device>`,
 * lib/Signal/libsignal.js:311-322, 349-385).
 */
export interface ContactKeys {
  get(type: "lid-mapping" | "device-list" | "session" | "identity-key", ids: string[]): Promise<Record<string, unknown>>;
  delete(type: "lid-mapping" | "device-list" | "session" | "identity-key", ids: string[]): Promise<void>;
}

export interface ContactErasureDeps {
  book: AddressBook;
  keys: ContactKeys;
  /** The live socket's LID store, when one is open. */
  lidMapping: LidMapping | null;
}

/**
 * Erasure (review X3): the session forgets `phone` — its address-book entry, the replies parked
 * under a LID that maps to it, and what Baileys' key store keeps of it (LID mapping, device
 * lists, encryption sessions and identities with its devices). Should the person write again,
 * WhatsApp's retry receipt rebuilds an encryption session; nothing is sent to them any more
 * (the erasure's tombstone).
 */
export async function forgetContactIn(deps: ContactErasureDeps, phone: E164): Promise<void> {
  const { keys } = deps;
  const pnUser = phoneDigits(phone);
  const lidUsers = new Set<string>();
  const stored = (await keys.get("lid-mapping", [pnUser]))[pnUser];
  if (typeof stored === "string" && stored) lidUsers.add(stored);
  const live = await deps.lidMapping?.getLIDForPN(phoneJid(phone, "s.whatsapp.net")).catch(() => null);
  if (live) lidUsers.add(userOf(live));
  const lids = await deps.book.forget(phone, [...lidUsers].map((user) => `${user}@lid`));
  for (const lid of lids) lidUsers.add(userOf(lid));

  const users = [pnUser, ...lidUsers];
  const deviceLists = await keys.get("device-list", users);
  const addresses = users.flatMap((user) => {
    const devices = new Set(["0", ...(Array.isArray(deviceLists[user]) ? (deviceLists[user] as unknown[]).map(String) : [])]);
    const signalUser = user === pnUser ? user : `${user}_1`;
    return [...devices].map((device) => `${signalUser}.${device}`);
  });
  const dropPresent = async (type: Parameters<ContactKeys["get"]>[0], ids: string[]) => {
    const present = Object.entries(await keys.get(type, ids)).filter(([, value]) => value !== null && value !== undefined);
    if (present.length > 0) await keys.delete(type, present.map(([id]) => id));
  };
  await dropPresent("session", addresses);
  await dropPresent("identity-key", addresses);
  await dropPresent("device-list", users);
  await dropPresent("lid-mapping", [pnUser, ...[...lidUsers].map((user) => `${user}_reverse`)]);
}

/** The same, in a session stored but not running in this process (no write when it is absent). */
export async function forgetStoredContact(sessions: SessionRepository, cipher: SessionCipher, sessionId: string, phone: E164): Promise<void> {
  if (!(await sessions.exists(sessionId))) return;
  const entries = encryptedEntries(sessions, cipher, sessionId);
  // The auth state's entry names and encoding (auth-state.ts: `<type>-<id>`, same AAD and JSON).
  const keys: ContactKeys = {
    async get(type, ids) {
      const found = await entries.read<unknown>(ids.map((id) => `${type}-${id}`));
      return Object.fromEntries(ids.map((id) => [id, found.get(`${type}-${id}`)]));
    },
    delete: (type, ids) => entries.write(Object.fromEntries(ids.map((id) => [`${type}-${id}`, null]))),
  };
  await forgetContactIn({ book: new AddressBook(entries), keys, lidMapping: null }, phone);
}

function userOf(jid: string): string {
  return bareJid(jid).split("@")[0]!;
}
