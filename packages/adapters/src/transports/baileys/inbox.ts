import { isPnUser, type BaileysEventMap, type WAMessageKey } from "@whiskeysockets/baileys";
import type { Clock, E164, Logger } from "@relance/core";
import type { AddressBook, ParkedReply } from "./address-book.js";
import type { InboundText } from "./events.js";
import { lidOf, phoneOfJid } from "../session/jid.js";
import type { LidMapping } from "./socket.js";
import { messageOf } from "../session/error-message.js";
import { shapeOfBaileys } from "./incoming-shape.js";
import { readReply } from "../session/reply-classifier.js";

export interface InboxDeps {
  referrerUserId: string;
  book: AddressBook;
  clock: Clock;
  logger: Logger;
  /** The live socket's LID store, when a socket is open. */
  lidMapping(): LidMapping | null;
  /** Journals the reply, then hands it to the engine; resolves once journaled. */
  deliver(message: InboundText): Promise<void>;
}

/**
 * Turns `messages.upsert` into replies with a phone number. Baileys 7 may address a 1:1 chat by
 * LID and give the phone JID only in `remoteJidAlt`, which it fills from stanza attributes that
 * are not always there (lib/Utils/decode-wa-message.js:69-94, 178-180). A LID without it is
 * resolved through Baileys' LID store (`getPNForLID`), then through the LIDs of our own contacts;
 * failing both, the reply is parked (encrypted, with the session) and a warning logged, and it is
 * handed over as soon as the mapping is known (`lid-mapping.update`, a later socket, a send).
 * A STOP is never dropped.
 */
export class BaileysInbox {
  private work: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: InboxDeps) {
    // Whatever taught the book a LID or a JID (a stanza's `remoteJidAlt`, a send's LID lookup, a
    // number check, a mapping event) may match a parked reply: retried then, not days later.
    deps.book.onLearn(() => this.retry());
  }

  onUpsert(upsert: BaileysEventMap["messages.upsert"]): void {
    // Both `notify` (live) and `append`: messages that arrived while our socket was closed come
    // back as `append`, and a STOP among them must not be lost.
    if (upsert.type !== "notify" && upsert.type !== "append") return;
    const replies: Array<{ key: WAMessageKey; text: string; at: Date }> = [];
    for (const message of upsert.messages) {
      // The shared reading: voice notes, captions, edits, stickers… are replies; notices are not.
      const reading = readReply(shapeOfBaileys(message));
      if (reading.reply) replies.push({ key: message.key, text: reading.text, at: timestampOf(message.messageTimestamp) ?? this.deps.clock.now() });
    }
    if (replies.length > 0) this.enqueue(() => this.handle(replies));
  }

  /** A LID ↔ phone mapping became known: parked replies from that LID can go. */
  onMapping(mapping: { lid: string; pn: string }): void {
    this.enqueue(async () => {
      const phone = phoneOfJid(mapping.pn);
      // A hosted account's `@hosted` JID is not where we send: only its LID is learned.
      const jid = isPnUser(mapping.pn) ? { jid: mapping.pn.replace(/:\d+@/, "@") } : {};
      if (phone) await this.deps.book.remember(phone, { ...jid, lid: lidOf(mapping.lid) ?? mapping.lid });
      await this.retryParked();
    });
  }

  /** Tries the parked replies again (a new socket may know more LIDs). */
  retry(): void {
    this.enqueue(() => this.retryParked());
  }

  /** Runs `task` in turn with the replies being handled (an erasure: none writes the number back meanwhile). */
  exclusive(task: () => Promise<void>): Promise<void> {
    const run = this.work.then(task);
    this.work = run.catch(() => undefined);
    return run;
  }

  /** Resolves once every reply received so far was delivered or parked. */
  async settled(): Promise<void> {
    let seen: Promise<unknown> | null = null;
    while (seen !== this.work) {
      seen = this.work;
      await seen;
    }
  }

  private async handle(replies: Array<{ key: WAMessageKey; text: string; at: Date }>): Promise<void> {
    for (const { key, text, at } of replies) {
      const from = await this.phonesOf(key);
      if (from.length > 0) {
        const id = key.id ?? `${key.remoteJid}:${at.getTime()}`;
        // One reply per phone the account stands for (session/canonical-ids.ts), each its own journal entry.
        for (const phone of from) await this.deps.deliver({ id: `${id}|${phone}`, from: phone, text, at });
        continue;
      }
      const lid = lidOf(key.remoteJid);
      // Groups, broadcasts and newsletters are not replies; only a LID can be a person we wrote to.
      if (!lid) {
        this.deps.logger.debug({ referrerUserId: this.deps.referrerUserId, server: key.remoteJid?.split("@")[1] }, "baileys message from an address that is neither a phone nor a LID: ignored");
        continue;
      }
      const dropped = await this.deps.book.park({ lid, text, at: at.toISOString() }, this.deps.clock.now());
      this.deps.logger.warn({ referrerUserId: this.deps.referrerUserId, dropped }, "baileys reply from a LID with no known phone number: kept until WhatsApp maps it");
    }
  }

  private async retryParked(): Promise<void> {
    const expired = await this.deps.book.expire(this.deps.clock.now());
    if (expired > 0) this.deps.logger.warn({ referrerUserId: this.deps.referrerUserId, expired }, "parked baileys replies expired: WhatsApp never mapped their LIDs");
    const parked = await this.deps.book.parkedReplies();
    if (parked.length === 0) return;
    const delivered: ParkedReply[] = [];
    for (const reply of parked) {
      const from = await this.phonesOf({ remoteJid: reply.lid });
      if (from.length === 0) continue;
      // Journaled before it is unparked: a crash in between hands it over twice, never zero times.
      for (const phone of from) await this.deps.deliver({ id: `parked:${reply.lid}:${reply.at}|${phone}`, from: phone, text: reply.text, at: new Date(reply.at) });
      delivered.push(reply);
    }
    await this.deps.book.unpark(delivered);
    if (delivered.length > 0) this.deps.logger.info({ referrerUserId: this.deps.referrerUserId, delivered: delivered.length, left: parked.length - delivered.length }, "parked baileys replies matched");
  }

  /**
   * The phones a message is from. Baileys 7 may address a 1:1 chat by LID and give the phone
   * number JID in `remoteJidAlt` only; the book's number checks (CanonicalIds) then say every
   * phone that account stands for.
   */
  private async phonesOf(key: WAMessageKey): Promise<E164[]> {
    const lid = lidOf(key.remoteJid);
    // The number check's JID first: it may differ from the number's digits (Brazil's ninth digit).
    if (!lid) return key.remoteJid ? this.deps.book.phonesOf(key.remoteJid) : [];
    const direct = phoneOfJid(key.remoteJidAlt);
    if (direct) {
      // The stanza said which phone this LID is: remembered for replies that will not say it.
      await this.deps.book.remember(direct, { lid });
      return this.deps.book.phonesOf(lid);
    }
    const known = await this.deps.book.phonesOf(lid);
    if (known.length > 0) return known;
    try {
      const pn = await this.deps.lidMapping()?.getPNForLID(lid);
      return pn ? this.deps.book.phonesOf(pn) : [];
    } catch (error) {
      this.deps.logger.debug({ referrerUserId: this.deps.referrerUserId, err: messageOf(error) }, "baileys LID lookup failed");
      return [];
    }
  }

  private enqueue(task: () => Promise<void>): void {
    const run = this.work.then(task).catch((error: unknown) => {
      this.deps.logger.error({ referrerUserId: this.deps.referrerUserId, err: messageOf(error) }, "baileys inbound handling failed");
    });
    this.work = run;
  }
}

function timestampOf(value: unknown): Date | null {
  const seconds = typeof value === "number" ? value : typeof value === "object" && value !== null && "toNumber" in value ? (value as { toNumber(): number }).toNumber() : Number(value);
  return Number.isFinite(seconds) && seconds > 0 ? new Date(seconds * 1000) : null;
}
