import type { Clock, E164, Logger } from "@relance/core";
import type { WwebjsClient } from "./client-factory.js";
import { describe } from "./events.js";
import { CanonicalIds } from "../session/canonical-ids.js";
import { lidOf, phoneJid, phoneOfJid } from "../session/jid.js";
import type { Message } from "./library.js";
import { readReply, type IncomingShape } from "../session/reply-classifier.js";
import { shapeOfWwebjs, shapeOfWwebjsEdit } from "./incoming-shape.js";
import { boundLidReplies } from "../session/lid-replies.js";
import { MAX_SEEN, holdsId, type PendingReply, type SessionBook, type Watermark } from "./session-book.js";

/** The phones of a referrer's active targets (their chats are read on catch-up even when read). */
export type ActiveContacts = (referrerUserId: string) => Promise<readonly E164[]>;

export interface InboxOptions {
  referrerUserId: string;
  client: WwebjsClient;
  book: SessionBook;
  clock: Clock;
  logger: Logger;
  activeContacts?: ActiveContacts;
  /** Messages read per chat on catch-up (the newest). */
  messagesPerChat: number;
  /** With no watermark yet (a session restored for the first time), how far back catch-up reads. */
  firstLookbackMs: number;
  /** Journals the reply (`id`: unique per message and sender), then hands it to the engine; resolves once journaled. */
  emit(reply: { id: string; from: E164; text: string; at: Date }): Promise<void>;
  /** False once the session ended: nothing is emitted, marked seen or taken off the waiting list. */
  isOpen(): boolean;
}

/** The session ended while messages were being handled: the rest waits for the next start. */
class InboxClosed extends Error {
  constructor() {
    super("the session closed while its messages were being read");
  }
}

/**
 * One session's inbound side: every reply reaches the core exactly once, whether it arrived while
 * the client ran (`message`) or while Chromium was closed (catch-up on `ready`), and whether its
 * sender is a number or a LID.
 *
 * whatsapp-web.js only emits `message` for messages WhatsApp Web flags `isNewMsg` once its
 * listeners are attached after `hasSynced` (Client.js:1129-1130, 408-410): what the phone received
 * while no client ran arrives with the history sync and is never emitted. Hence the watermark and
 * the catch-up, which read chats without ever marking them read (`getChats`, `fetchMessages` only:
 * Chat.js:203-246 loads models and sends no seen receipt).
 */
export class Inbox {
  private mark: Watermark | null = null;
  /** Ids handed over (or kept for a LID) lately, persisted: loaded once, null until then. */
  private seenIds: string[] | null = null;
  /** The number checks' accounts (the shared rule, session/canonical-ids.ts), loaded once. */
  private canonical: CanonicalIds | null = null;
  /** LIDs with replies waiting (loaded once): no storage read per send when there are none. */
  private waitingLids: Set<string> | null = null;
  /** One step at a time: pending replies and the watermark are read-modify-write. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: InboxOptions) {}

  private serial<T>(step: () => Promise<T>): Promise<T> {
    const next = this.queue.catch(() => undefined).then(step);
    this.queue = next;
    return next;
  }

  /**
   * Run on `ready`, before the session is reported connected. A newly linked account starts its
   * watermark now: what came before it is not this service's business.
   */
  catchUp(options: { newLink: boolean }): Promise<number> {
    return this.serial(() => this.catchUpNow(options));
  }

  private async catchUpNow(options: { newLink: boolean }): Promise<number> {
    const { client, book, clock } = this.options;
    const stored = await book.watermark();
    const nowSeconds = Math.floor(clock.now().getTime() / 1000);
    if (!stored && options.newLink) {
      this.mark = { at: nowSeconds, ids: [] };
      await book.setWatermark(this.mark);
      return 0;
    }
    this.mark = stored ?? { at: nowSeconds - Math.floor(this.options.firstLookbackMs / 1000), ids: [] };
    const since = this.mark;

    const targets = await this.targetChatIds();
    // getChats, not getChatById per target: the latter creates a chat that does not exist
    // (`findOrCreateLatestChat`, Utils.js:842-875).
    const chats = (await client.getChats()).filter(
      (chat) => !chat.isGroup && isPersonChat(chat.id._serialized) && (chat.timestamp === undefined || chat.timestamp >= since.at),
    );
    const unresolvedLids = chats.filter((c) => !(c.unreadCount > 0) && !targets.has(c.id._serialized) && lidOf(c.id._serialized) !== null).map((c) => c.id._serialized);
    const lidsOfTargets = new Set<string>();
    if (unresolvedLids.length > 0) {
      for (const pair of await client.getContactLidAndPhone(unresolvedLids)) {
        if (pair?.lid && pair.pn && targets.has(pair.pn)) lidsOfTargets.add(pair.lid);
      }
    }
    const toRead = chats.filter((c) => c.unreadCount > 0 || targets.has(c.id._serialized) || lidsOfTargets.has(c.id._serialized));

    const missed: Message[] = [];
    for (const chat of toRead) {
      const messages = await chat.fetchMessages({ limit: Math.max(this.options.messagesPerChat, chat.unreadCount || 0) });
      missed.push(...messages.filter((m) => !m.fromMe && isAfter(m, since)));
    }
    missed.sort((a, b) => a.timestamp - b.timestamp);
    // A message WhatsApp Web has not decrypted yet has no text: it is not emitted, and the
    // watermark stays before it so that the next start reads it again.
    const undecrypted = missed.filter((m) => m.type === "ciphertext");
    const holdAt = undecrypted[0]?.timestamp;
    if (undecrypted.length > 0) {
      this.options.logger.warn({ referrerUserId: this.options.referrerUserId, undecrypted: undecrypted.length }, "messages received while closed are not decrypted yet: read again on the next start");
    }
    for (const message of missed) {
      if (message.type === "ciphertext") continue;
      await this.handle(message, { at: new Date(message.timestamp * 1000), advance: holdAt === undefined || message.timestamp < holdAt });
    }
    await this.flushPendingNow([]);
    return missed.length;
  }

  /**
   * A `message` event of the running client. It never moves the watermark: only a completed
   * catch-up does, so a message the catch-up had to leave behind (not decrypted yet, or arrived
   * while the catch-up was starting) is read by the next one. The next catch-up reads live
   * messages again: the ring of seen ids keeps them from being emitted twice.
   */
  onLive(message: Message): Promise<void> {
    return this.serial(() => this.handle(message, { at: this.options.clock.now(), advance: false }));
  }

  /** A `message_edit` of the running client: the new text is a reply of its own (an edit to STOP). */
  onEdit(message: Message, newBody: string): Promise<void> {
    const shape = shapeOfWwebjsEdit(message, newBody);
    return this.serial(() => this.handle(message, { at: this.options.clock.now(), advance: false, shape, key: `edit:${message.id._serialized}:${newBody}` }));
  }

  /** The number check found `phone` as `id`: kept for sending and for matching its replies. */
  rememberCanonical(phone: E164, id: string): Promise<void> {
    return this.serial(async () => {
      const ids = await this.canonicalIds();
      // Only ids that differ from the number are kept: the map stays as small as the exceptions.
      if (ids.learn(phone, id)) await this.options.book.setCanonicalIds(ids.toJSON());
      await this.flushPendingNow([id]);
    });
  }

  /** Erasure: what the session keeps about `phone` goes (see SessionBook.forgetContact). */
  forget(phone: E164): Promise<void> {
    return this.serial(async () => {
      await this.options.book.forgetContact(phone);
      this.seenIds = null;
      this.canonical = null;
    });
  }

  /** The chat id to send to: the number check's id when known. */
  async chatIdOf(phone: E164): Promise<string> {
    return (await this.canonicalIds()).idOf(phone);
  }

  /** A message just went to `chatId`: WhatsApp now knows its LID, maybe one a reply waits on. */
  afterSend(chatId: string): Promise<void> {
    return this.serial(() => this.flushPendingNow([chatId]));
  }

  /**
   * Emits the replies waiting for a number whose LID now maps to one: asked for each pending
   * LID, and for the LIDs of `hints` (ids of numbers just checked or written to).
   */
  flushPending(hints: readonly string[] = []): Promise<void> {
    return this.serial(() => this.flushPendingNow(hints));
  }

  private async flushPendingNow(hints: readonly string[]): Promise<void> {
    const { book, client, logger, referrerUserId } = this.options;
    if ((await this.waiting()).size === 0 || !this.options.isOpen()) return;
    const pending = await this.unexpiredPending();
    if (pending.length === 0) return;
    const phoneByLid = new Map<string, E164>();
    try {
      const pairs = await client.getContactLidAndPhone([...new Set([...pending.map((p) => p.lid), ...hints])]);
      for (const pair of pairs) {
        const phone = phoneOfJid(pair?.pn);
        if (pair?.lid && phone) phoneByLid.set(pair.lid, phone);
      }
    } catch (error) {
      logger.warn({ referrerUserId, err: describe(error) }, "could not look up the numbers of LIDs with replies waiting");
      return;
    }
    const still: PendingReply[] = [];
    const ready: Array<[PendingReply, E164]> = [];
    for (const reply of pending) {
      const phone = phoneByLid.get(reply.lid);
      if (phone) ready.push([reply, phone]);
      else still.push(reply);
    }
    if (ready.length === 0 || !this.options.isOpen()) return;
    // Journaled before they leave the waiting list: a crash in between hands them over twice, never zero times.
    for (const [reply, phone] of ready) await this.emitFrom(reply.id, phone, reply.text, new Date(reply.at));
    await book.setPending(still);
    this.waitingLids = new Set(still.map((p) => p.lid));
    logger.info({ referrerUserId, resolved: ready.length, waiting: still.length }, "replies from LIDs matched to their numbers");
  }

  private async handle(message: Message, options: { at: Date; advance: boolean; shape?: IncomingShape; key?: string }): Promise<void> {
    if (!this.options.isOpen()) throw new InboxClosed();
    // The shared reading: notices, revokes and our own devices are not replies; a voice note is.
    const reading = readReply(options.shape ?? shapeOfWwebjs(message));
    if (!reading.reply) return;
    const id = options.key ?? message.id._serialized;
    if (holdsId(await this.seen(), id)) {
      if (options.advance) await this.advance(message);
      return;
    }
    const from = message.from;
    let phone = phoneOfJid(from);
    const lid = phone ? null : lidOf(from);
    if (lid) {
      phone = await this.phoneOfLid(lid);
      // WhatsApp knows this LID's number now: older replies from it may be waiting.
      if (phone && (await this.waiting()).has(lid)) await this.flushPendingNow([]);
      if (!phone) {
        await this.keepPending({ id, lid, text: reading.text, at: message.timestamp ? message.timestamp * 1000 : options.at.getTime() });
        await this.markSeen(id);
        if (options.advance) await this.advance(message);
        return;
      }
    }
    if (!phone) {
      this.options.logger.debug({ referrerUserId: this.options.referrerUserId }, "inbound message from a chat that is not a person: ignored");
      return;
    }
    if (!this.options.isOpen()) throw new InboxClosed();
    await this.emitFrom(id, phone, reading.text, options.at);
    // After the emit (journaled by then): a crash in between emits it again on the next start (at least once).
    await this.markSeen(id);
    if (options.advance) await this.advance(message);
  }

  /** Emits for every phone the account stands for (the shared rule, CanonicalIds.phonesOf: a Brazilian 9th digit). */
  private async emitFrom(id: string, phone: E164, text: string, at: Date): Promise<void> {
    for (const from of (await this.canonicalIds()).phonesOf(phoneJid(phone, "c.us"))) await this.options.emit({ id: `${id}|${from}`, from, text, at });
  }

  private async keepPending(reply: PendingReply): Promise<void> {
    const { book, logger, referrerUserId } = this.options;
    const pending = await book.pending();
    if (pending.some((p) => p.id === reply.id)) return;
    // The shared rule (session/lid-replies.ts): a TTL, and a bound that keeps the STOPs.
    const { kept, expired, overflow } = boundLidReplies([...pending, reply], this.options.clock.now(), pendingView);
    if (expired > 0) logger.warn({ referrerUserId, expired }, "replies waiting for a LID mapping expired: WhatsApp never mapped their LIDs");
    if (overflow > 0) logger.warn({ referrerUserId, dropped: overflow }, "too many replies waiting for a LID mapping: the oldest that are not opt-outs are dropped");
    await book.setPending(kept);
    this.waitingLids = new Set(kept.map((p) => p.lid));
    // No number, no text in logs: only that a reply waits.
    logger.warn({ referrerUserId, waiting: kept.length }, "reply from a LID with no known phone number: kept until WhatsApp maps it");
  }

  /** The waiting list without the replies past the TTL (dropped from storage, with a warning). */
  private async unexpiredPending(): Promise<PendingReply[]> {
    const { book, logger, referrerUserId } = this.options;
    const pending = await book.pending();
    const { kept, expired } = boundLidReplies(pending, this.options.clock.now(), pendingView);
    if (expired > 0) {
      logger.warn({ referrerUserId, expired }, "replies waiting for a LID mapping expired: WhatsApp never mapped their LIDs");
      await book.setPending(kept);
    }
    this.waitingLids = new Set(kept.map((p) => p.lid));
    return kept;
  }

  private async advance(message: Message): Promise<void> {
    const t = message.timestamp;
    if (!t) return;
    const mark = this.mark ?? (await this.options.book.watermark()) ?? { at: 0, ids: [] };
    const id = message.id._serialized;
    if (t < mark.at || (t === mark.at && holdsId(mark.ids, id))) return;
    this.mark = t > mark.at ? { at: t, ids: [id] } : { at: t, ids: [...mark.ids, id] };
    await this.options.book.setWatermark(this.mark);
  }

  private async targetChatIds(): Promise<Set<string>> {
    const { activeContacts, referrerUserId } = this.options;
    if (!activeContacts) return new Set();
    const phones = await activeContacts(referrerUserId);
    const canonical = await this.canonicalIds();
    return new Set(phones.flatMap((phone) => [phoneJid(phone, "c.us"), canonical.idOf(phone)]));
  }

  private async phoneOfLid(lid: string): Promise<E164 | null> {
    try {
      const [pair] = await this.options.client.getContactLidAndPhone([lid]);
      return phoneOfJid(pair?.pn);
    } catch (error) {
      this.options.logger.warn({ referrerUserId: this.options.referrerUserId, err: describe(error) }, "could not resolve a LID to a phone number");
      return null;
    }
  }

  private async seen(): Promise<string[]> {
    this.seenIds ??= await this.options.book.seen();
    return this.seenIds;
  }

  private async markSeen(id: string): Promise<void> {
    const ids = [...(await this.seen()), id].slice(-MAX_SEEN);
    this.seenIds = ids;
    await this.options.book.setSeen(ids);
  }

  private async waiting(): Promise<Set<string>> {
    this.waitingLids ??= new Set((await this.options.book.pending()).map((p) => p.lid));
    return this.waitingLids;
  }

  private async canonicalIds(): Promise<CanonicalIds> {
    this.canonical ??= new CanonicalIds("c.us", await this.options.book.canonicalIds());
    return this.canonical;
  }
}

function isAfter(message: Message, mark: Watermark): boolean {
  return message.timestamp > mark.at || (message.timestamp === mark.at && !holdsId(mark.ids, message.id._serialized));
}

/** One person's chat: a number or a LID (not a group, a broadcast list, the status feed or a channel). */
function isPersonChat(id: string): boolean {
  return /@(c\.us|lid)$/.test(id);
}

const pendingView = (reply: PendingReply) => ({ atMs: reply.at, text: reply.text });
