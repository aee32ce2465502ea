import { proto } from "@whiskeysockets/baileys";
import type { Clock, Logger } from "@relance/core";
import type { EncryptedEntries } from "./encrypted-entries.js";

const DAY_MS = 24 * 60 * 60_000;
/** Buckets older than the retention are deleted this many days back (a session idle for weeks). */
const PURGE_LOOKBACK_DAYS = 30;

/**
 * The content of the messages we sent, for Baileys' `getMessage`. A recipient whose phone could
 * not decrypt a message asks for it again (a retry receipt); Baileys answers from a 5-minute,
 * 512-message cache that dies with the socket (lib/Utils/message-retry-manager.js:31-36,
 * lib/Socket/messages-send.js:987-988), then from `getMessage`, and otherwise only logs "message
 * not available" (lib/Socket/messages-recv.js:1040-1068): the recipient would see "Waiting for
 * this message" forever. Kept encrypted beside the session, one bucket per UTC day, for
 * `retentionDays`, then deleted.
 */
export class SentMessageStore {
  private readonly buckets = new Map<string, Record<string, string>>();
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
      const key = bucketKey(this.clock.now().getTime());
      const bucket = { ...(await this.bucket(key)) };
      bucket[id] = Buffer.from(proto.Message.encode(message).finish()).toString("base64");
      await this.entries.write({ [key]: bucket, ...this.expiredBuckets() });
      this.buckets.set(key, bucket);
    }).catch((error: unknown) => this.logger.warn({ err: error instanceof Error ? error.message : String(error) }, "sent message could not be kept for retry receipts"));
  }

  /** The message sent with this id in the retention window, or undefined. */
  async get(id: string): Promise<proto.IMessage | undefined> {
    const now = this.clock.now().getTime();
    for (let day = 0; day <= this.retentionDays; day++) {
      const encoded = (await this.bucket(bucketKey(now - day * DAY_MS)))[id];
      if (encoded) return proto.Message.decode(Buffer.from(encoded, "base64"));
    }
    return undefined;
  }

  private async bucket(key: string): Promise<Record<string, string>> {
    const cached = this.buckets.get(key);
    if (cached) return cached;
    const found = (await this.entries.read<Record<string, string>>([key])).get(key) ?? {};
    this.buckets.set(key, found);
    return found;
  }

  /** Deletions of the buckets past the retention, once per day. */
  private expiredBuckets(): Record<string, null> {
    const now = this.clock.now().getTime();
    const today = bucketKey(now);
    if (this.purgedFor === today) return {};
    this.purgedFor = today;
    const deletions: Record<string, null> = {};
    for (let day = this.retentionDays + 1; day <= this.retentionDays + PURGE_LOOKBACK_DAYS; day++) {
      const key = bucketKey(now - day * DAY_MS);
      deletions[key] = null;
      this.buckets.delete(key);
    }
    return deletions;
  }

  private serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

function bucketKey(ms: number): string {
  return `sent-${new Date(ms).toISOString().slice(0, 10)}`;
}
