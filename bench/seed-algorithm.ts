/**
 * The platform's original sender ("the seed"), re-implemented faithfully to measure it next to the
 * engine on the same MongoDB server: referrers in sequential batches; enrollment reads every
 * referral of the referrer and does a `findOne` per referral before `create`; dispatch does, per
 * due target, a `findOne` of the day's template and a `save` of the whole target.
 */
import type { Collection, Db, Document } from "mongodb";
import type { Referral, Target } from "@relance/core";
import { DAY_MS, records, referrerId, type Workload } from "./history.js";

const BATCH = 5;

export interface SeedCounts {
  calls: number;
  docs: number;
}

export class SeedSender {
  readonly counts: SeedCounts = { calls: 0, docs: 0 };
  private readonly targets: Collection<Document>;
  private readonly referrals: Collection<Document>;
  private readonly templates: Collection<Document>;

  constructor(
    db: Db,
    private readonly workload: Workload,
    private readonly dailyLimit: number,
  ) {
    this.targets = db.collection("seed_targets");
    this.referrals = db.collection("seed_referrals");
    this.templates = db.collection("seed_templates");
  }

  /** The same history and due set as the engine's, and the seed's indexes. */
  async setUp(now: Date): Promise<void> {
    await this.targets.createIndex({ referrerUserId: 1, referralUserId: 1 }, { unique: true });
    await this.targets.createIndex({ referrerUserId: 1, status: 1, nextMessageDue: 1 });
    await this.referrals.createIndex({ referrerId: 1 });
    await this.templates.createIndex({ dayNumber: 1 });
    for (let day = 1; day <= 7; day++) await this.templates.insertOne({ dayNumber: day, text: `Jour ${day} : bonjour {{firstName}}`, active: true });
    let batch: Array<{ referral: Referral; target: Target }> = [];
    const flush = async () => {
      if (batch.length === 0) return;
      await this.referrals.insertMany(batch.map(({ referral }) => ({ ...referral })));
      await this.targets.insertMany(batch.map(({ target }) => ({ ...target, _id: target.id }) as Document));
      batch = [];
    };
    for (const record of records(this.workload, now)) {
      batch.push(record);
      if (batch.length === 2_000) await flush();
    }
    await flush();
  }

  reset(): SeedCounts {
    const snapshot = { ...this.counts };
    this.counts.calls = 0;
    this.counts.docs = 0;
    return snapshot;
  }

  async enroll(now: Date): Promise<number> {
    let created = 0;
    await this.eachReferrer(async (referrer) => {
      const referrals = await this.referrals.find({ referrerId: referrer, paid: false }).toArray();
      this.read(referrals.length);
      for (const referral of referrals) {
        if ((referral.createdAt as Date).getTime() > now.getTime() - 3_600_000) continue;
        const existing = await this.targets.findOne({ referrerUserId: referrer, referralUserId: referral.userId });
        this.read(existing ? 1 : 0);
        if (existing) continue;
        this.counts.calls++;
        await this.targets.insertOne({ _id: `seed-${referrer}-${referral.userId}` as never, referrerUserId: referrer, referralUserId: referral.userId, status: "active", currentDay: 1, nextMessageDue: now, messagesDelivered: [] });
        created++;
      }
    });
    return created;
  }

  async dispatch(now: Date, send: (target: Document, text: string) => Promise<void>): Promise<number> {
    let sent = 0;
    await this.eachReferrer(async (referrer) => {
      const due = await this.targets.find({ referrerUserId: referrer, status: "active", nextMessageDue: { $lte: now } }).limit(this.dailyLimit).toArray();
      this.read(due.length);
      for (const target of due) {
        const template = await this.templates.findOne({ dayNumber: target.currentDay, active: true });
        this.read(template ? 1 : 0);
        if (!template) continue;
        await send(target, String(template.text));
        target.messagesDelivered = [...(target.messagesDelivered as unknown[]), { day: target.currentDay, sentAt: now, status: "sent" }];
        target.currentDay = (target.currentDay as number) + 1;
        target.nextMessageDue = new Date(now.getTime() + DAY_MS);
        this.counts.calls++;
        await this.targets.replaceOne({ _id: target._id }, target);
        sent++;
      }
    });
    return sent;
  }

  private read(docs: number): void {
    this.counts.calls++;
    this.counts.docs += docs;
  }

  private async eachReferrer(work: (referrer: string) => Promise<void>): Promise<void> {
    for (let start = 0; start < this.workload.referrers; start += BATCH) {
      const batch = Array.from({ length: Math.min(BATCH, this.workload.referrers - start) }, (_, i) => referrerId(start + i));
      await Promise.all(batch.map(work));
    }
  }
}
