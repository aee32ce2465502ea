import { proto } from "@whiskeysockets/baileys";
import type { Clock, Logger } from "@relance/core";
import type { EncryptedEntries } from "./encrypted-entries.js";
import { messageOf } from "../session/error-message.js";

const DAY_MS = 24 * 60 * 60_000;
/** Days older than the retention are deleted this many days back (a session idle for weeks). */
const PURGE_LOOKBACK_DAYS = 30;

/**
 * The content of the messages we sent, for Baileys' `getMessage`. A recipient whose phone could
 * not decrypt a message asks for it again (a retry receipt); Baileys answers from a 5-minute,
 * 512-message cache that dies with the socket (lib/Utils/message-retry-manager.js:31-36,
 * lib/Socket/messages-send.js:987-988), then from `getMessage`, and otherwise only logs "message
 * not available" (lib/Socket/messages-recv.js:1040-1068): the recipient would see "Waiting for
 * this message" forever. Kept encrypted beside the session for `retentionDays`, then deleted:
 * one entry per message (`sent-<UTC day>/<id>`), so a send writes its own content only, and per
 * day the list of ids (`sent-<UTC day>`), which is what the purge needs to find them.
 */
export class SentMessageStore {
  /** The ids sent per day, as stored (loaded on first use of a day). */
  private readonly ids = new Map<string, string[]>();
  private queue: Promise<unknown> = Promise.resolve();
  private purgedFor: string | null = null;

  constructor(
    private readonly entries: EncryptedEntries,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly retentionDays = 7,
  ) {}

  /** Stores a sent message by id. Never rejects: a failure is logged (the send itself succeeded). */
  remember(id: string, message: proto.IMessage): Promise<void> {
    return this.serial(async () => {
      const day = dayKey(this.clock.now().getTime());
      const ids = [...(await this.idsOf(day)), id];
      const content = Buffer.from(proto.Message.encode(message).finish()).toString("base64");
      await this.entries.write({ [messageKey(day, id)]: content, [day]: ids, ...(await this.expiredDays()) });
      this.ids.set(day, ids);
    }).catch((error: unknown) => this.logger.warn({ err: messageOf(error) }, "sent message could not be kept for retry receipts"));
  }

  /** The message sent with this id in the retention window, or undefined (one read). */
  async get(id: string): Promise<proto.IMessage | undefined> {
    const now = this.clock.now().getTime();
    const keys = Array.from({ length: this.retentionDays + 1 }, (_, back) => messageKey(dayKey(now - back * DAY_MS), id));
    const found = await this.entries.read<string>(keys);
    const encoded = keys.map((key) => found.get(key)).find((value) => value !== undefined);
    return encoded === undefined ? undefined : proto.Message.decode(Buffer.from(encoded, "base64"));
  }

  private async idsOf(day: string): Promise<string[]> {
    const cached = this.ids.get(day);
    if (cached) return cached;
    const stored = (await this.entries.read<string[]>([day])).get(day) ?? [];
    this.ids.set(day, stored);
    return stored;
  }

  /** Deletions of the days past the retention (their messages and lists), once per day. */
  private async expiredDays(): Promise<Record<string, null>> {
    const now = this.clock.now().getTime();
    const today = dayKey(now);
    if (this.purgedFor === today) return {};
    this.purgedFor = today;
    const days = Array.from({ length: PURGE_LOOKBACK_DAYS }, (_, i) => dayKey(now - (this.retentionDays + 1 + i) * DAY_MS));
    const lists = await this.entries.read<string[]>(days);
    const deletions: Record<string, null> = {};
    for (const [day, ids] of lists) {
      deletions[day] = null;
      for (const id of ids) deletions[messageKey(day, id)] = null;
      this.ids.delete(day);
    }
    return deletions;
  }

  private serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

function dayKey(ms: number): string {
  return `sent-${new Date(ms).toISOString().slice(0, 10)}`;
}

function messageKey(day: string, id: string): string {
  return `${day}/${id}`;
}
