import { describe, expect, it } from "vitest";
import type { E164 } from "@relance/core";
import type { SessionEntryRef } from "../../src/ports/index.js";
import { createSessionCipher } from "../../src/index.js";
import { sessionIdOf } from "../../src/transports/baileys/index.js";
import { encryptedEntries } from "../../src/transports/baileys/encrypted-entries.js";
import { JournalStore } from "../../src/transports/session/inbound-journal.js";
import { REFERRAL, REFERRER, SECRET, linked, settle, setup, until, type Setup } from "./support/baileys-harness.js";

// Review whatsapp-real-phone-gaps-2 X3 on Baileys: erasure (`Transport.forgetContact`) removes the
// person from what the session keeps beside its creds — the address book (the number check's JID,
// the LID), replies parked under a LID that maps to the number, the replies of that number the
// engine never acknowledged (the shared inbound journal), and what Baileys writes of it through the
// signal key store we persist: its LID ↔ phone mapping (`lid-mapping-<pn user>`,
// `lid-mapping-<lid user>_reverse`, lib/Signal/lid-mapping.js:66-76), its device list
// (lib/Socket/messages-send.js:250-261) and the encryption sessions and identities of its devices,
// by signal address (`<user>[_<domain>].<device>`, lib/Signal/libsignal.js:311-322, 349-385).
// Failed before: every one of them still named the number after the erasure.

const OTHER: E164 = "+33622222222";
const DIGITS = REFERRAL.slice(1);
const LID_USER = "5550001";
const cipher = createSessionCipher({ secrets: [SECRET] });

/** Every session entry, keys and decrypted values, as one text: what a stolen key would reveal. */
async function decryptedSessions(s: Setup): Promise<string> {
  const parts: string[] = [];
  let after: SessionEntryRef | null = null;
  for (;;) {
    const page = await s.storage.sessions.scan(after, 100);
    for (const entry of page) parts.push(entry.sessionId, entry.key, cipher.decrypt(entry.value, { aad: JSON.stringify([entry.sessionId, entry.key]) }).plaintext);
    if (page.length < 100) return parts.join("\n");
    after = page.at(-1)!;
  }
}

const journal = (s: Setup) => new JournalStore(s.storage.sessions, cipher, sessionIdOf(REFERRER)).list();

/** A linked session whose stores name REFERRAL everywhere, and OTHER in the journal. */
async function sessionThatKnowsTheReferral(s: Setup) {
  // The engine never acknowledges: the replies stay in the journal.
  s.transport.subscribe((event) => (event.type === "inbound" ? new Promise<void>(() => {}) : undefined));
  const socket = await linked(s);
  expect(await s.transport.isOnWhatsApp(REFERRER, REFERRAL)).toBe(true);
  socket.receiveText(REFERRAL, "merci");
  socket.receiveText(OTHER, "bonjour");
  socket.receiveFromLid(`${LID_USER}@lid`, "STOP");
  await until(() => s.events.filter((e) => e.type === "inbound").length === 2, "two replies handed over");
  await settle();
  expect((await journal(s)).map((e) => e.from).sort()).toEqual([REFERRAL, OTHER]);
  return socket;
}

describe("baileys: forgetContact (erasure) empties the session-side stores of the number", () => {
  it("in a stored session (not running in this process)", async () => {
    const s = await setup({ inboundAckWaitMs: 20 });
    await sessionThatKnowsTheReferral(s);
    await s.transport.close();
    // Baileys stored the mapping on a later usync (no event, lid-mapping.js:15-80); the parked reply was not retried yet.
    await encryptedEntries(s.storage.sessions, cipher, sessionIdOf(REFERRER)).write({
      [`lid-mapping-${DIGITS}`]: LID_USER,
      [`lid-mapping-${LID_USER}_reverse`]: DIGITS,
      [`device-list-${DIGITS}`]: ["0", "3"],
      [`session-${DIGITS}.3`]: "c2Vzc2lvbg==",
      [`session-${LID_USER}_1.0`]: "c2Vzc2lvbg==",
      [`identity-key-${LID_USER}_1.0`]: "aWRlbnRpdHk=",
    });
    const before = await decryptedSessions(s);
    expect(before).toContain(DIGITS);
    expect(before).toContain(LID_USER);

    const later = await setup({ storage: s.storage, world: s.world, clock: s.clock });
    await later.transport.forgetContact!(REFERRER, REFERRAL);

    const after = await decryptedSessions(s);
    expect(after).not.toContain(DIGITS);
    expect(after).not.toContain(LID_USER);
    // Nobody else's data went with it, and the session is still there to restore.
    expect(await journal(s)).toMatchObject([{ from: OTHER, text: "bonjour" }]);
    expect(after).toContain("creds");
  });

  it("in a running session: its cached book forgets too, and a reply parked under the number's LID goes", async () => {
    const s = await setup({ inboundAckWaitMs: 20 });
    const socket = await sessionThatKnowsTheReferral(s);
    // The live socket's LID store knows the mapping; nothing retried the parked reply yet.
    s.world.lidStore.set(`${LID_USER}@lid`, `${DIGITS}@s.whatsapp.net`);

    await s.transport.forgetContact!(REFERRER, REFERRAL);

    const after = await decryptedSessions(s);
    expect(after).not.toContain(DIGITS);
    expect(after).not.toContain(LID_USER);
    expect(await journal(s)).toMatchObject([{ from: OTHER, text: "bonjour" }]);
    // The session still runs and sends to others.
    expect(s.transport.getState(REFERRER).status).toBe("connected");
    expect(socket.lookups.length).toBeGreaterThan(0);
  });

  it("a referrer without a stored session: nothing is written", async () => {
    const s = await setup();
    await s.transport.forgetContact!("nobody", REFERRAL);
    expect(await s.storage.sessions.exists(sessionIdOf("nobody"))).toBe(false);
  });
});
