import type { Clock, E164, Target, TargetRepository } from "@relance/core";
import { draw, drawDelay } from "./population-draws.js";
import type { OutboxItem, SandboxTransport } from "./sandbox-transport.js";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** How the simulated recipients of a referrer behave (probabilities in 0..1). */
export interface PopulationBehaviour {
  /** After each message: a `delivered` receipt. */
  delivered: number;
  /** Once delivered: a `read` receipt. */
  read: number;
  /** Once delivered: a reply that is not a STOP. */
  reply: number;
  /** Over the sequence's length: the referral pays, whether it received a message by then or not. */
  pay: { messaged: number; notMessaged: number };
  /** Same seed, same outcomes. */
  seed: number;
}

/** What `POST /sandbox/population` takes: every field optional, defaults from {@link DEFAULT_POPULATION}. */
export type PopulationSettings = Partial<Omit<PopulationBehaviour, "pay">> & { pay?: Partial<PopulationBehaviour["pay"]> };

export const DEFAULT_POPULATION: Readonly<PopulationBehaviour> = Object.freeze({
  delivered: 1,
  read: 0.7,
  reply: 0,
  pay: Object.freeze({ messaged: 0, notMessaged: 0 }),
  seed: 0,
});

/**
 * When things happen after a message, in the clock's time: a phone acknowledges within a minute,
 * a person reads within hours and answers later still (ranges [min, max), drawn uniformly).
 */
export const POPULATION_DELAYS = Object.freeze({
  deliveredMs: [2_000, MINUTE] as const,
  readMs: [MINUTE, 3 * HOUR] as const,
  replyMs: [5 * MINUTE, 4 * HOUR] as const,
});

/** The non-STOP replies the simulated referrals write. */
export const POPULATION_REPLIES: readonly string[] = Object.freeze([
  "Merci, je regarde ça ce soir",
  "C'est noté !",
  "Je vais y réfléchir",
  "Ok merci 🙂",
  "C'est combien déjà ?",
]);

export interface SandboxPopulationDependencies {
  transport: SandboxTransport;
  clock: Clock;
  /** Where enrolled referrals are found (holdout included) and re-read before they pay. */
  targets: Pick<TargetRepository, "list" | "get">;
  /** The sequence's length in days (the highest active day). */
  sequenceDays(): Promise<number>;
  /** The platform's payment call: what `POST /internal/exit-user` runs (`paid`). */
  pay(referralUserId: string): Promise<unknown>;
  /** Resolves once the receipts emitted so far are handled (the engine's `idle`). */
  settle?(): Promise<void>;
}

export interface PopulationTick {
  receipts: number;
  replies: number;
  paid: number;
}

type Outcome =
  | { at: number; kind: "receipt"; messageId: string; status: "delivered" | "read" }
  | { at: number; kind: "reply"; from: E164; to: E164; text: string };
type Pending = Outcome & { order: number };

interface Candidate {
  targetId: string;
  referralUserId: string;
  referrerUserId: string;
  enteredLoopAt: number;
  /** The payment instant last computed, for the seed and sequence length it was computed with. */
  payAt?: { seed: number; days: number; at: number };
}

interface Configured extends PopulationBehaviour {
  /** Clock time it was set: referrals whose payment day fell before it do not pay. */
  since: number;
}

/** Statuses of a target still in its sequence; `holdout` is the control group's (never messaged). */
const IN_LOOP: readonly string[] = ["active", "holdout"];
const PAGE = 200;

/**
 * Simulated recipients for the sandbox transport: after each message a `delivered` receipt, a
 * `read` one, sometimes a reply; and over a sequence's length, some referrals pay (the sandbox
 * plays the platform and exits them `paid`). Each outcome is drawn from (seed, referrer and
 * referral, day), so a seed gives the same outcomes whatever the processing order.
 *
 * Everything is timed by the clock: outcomes come due at instants of the clock's time and happen
 * on the next {@link tick} at or after them (the sandbox's clock route and the demo call it), so a
 * manual clock drives it deterministically. Inactive until configured.
 */
export class SandboxPopulation {
  private defaults: Configured | null = null;
  private readonly perReferrer = new Map<string, Configured>();
  private pending: Pending[] = [];
  private order = 0;
  private readonly candidates = new Map<string, Candidate>();
  /** Targets already taken as candidates (or decided): a referral is drawn once. */
  private readonly seen = new Set<string>();
  private serial: Promise<unknown> = Promise.resolve();
  private resumeAfter: string | null = null;
  private lastDiscovery = Number.NEGATIVE_INFINITY;

  constructor(private readonly deps: SandboxPopulationDependencies) {
    deps.transport.onSent((item) => this.onSent(item));
  }

  /** Sets the behaviour of one referrer's recipients, or every referrer's default (no `referrerUserId`). */
  configure(settings: PopulationSettings, referrerUserId?: string): PopulationBehaviour {
    const behaviour: Configured = {
      delivered: settings.delivered ?? DEFAULT_POPULATION.delivered,
      read: settings.read ?? DEFAULT_POPULATION.read,
      reply: settings.reply ?? DEFAULT_POPULATION.reply,
      pay: {
        messaged: settings.pay?.messaged ?? DEFAULT_POPULATION.pay.messaged,
        notMessaged: settings.pay?.notMessaged ?? DEFAULT_POPULATION.pay.notMessaged,
      },
      seed: settings.seed ?? DEFAULT_POPULATION.seed,
      since: this.deps.clock.now().getTime(),
    };
    for (const p of [behaviour.delivered, behaviour.read, behaviour.reply, behaviour.pay.messaged, behaviour.pay.notMessaged]) {
      if (!(p >= 0 && p <= 1)) throw new RangeError(`[sandbox] population probabilities are in 0..1, got ${p}`);
    }
    if (!Number.isSafeInteger(behaviour.seed)) throw new RangeError(`[sandbox] population seed must be an integer, got ${behaviour.seed}`);
    if (referrerUserId === undefined) this.defaults = behaviour;
    else this.perReferrer.set(referrerUserId, behaviour);
    const { since: _since, ...applied } = behaviour;
    return applied;
  }

  /** The behaviour that applies to a referrer's recipients; null while the population is off for them. */
  behaviourOf(referrerUserId: string): PopulationBehaviour | null {
    const configured = this.configuredFor(referrerUserId);
    if (!configured) return null;
    const { since: _since, ...behaviour } = configured;
    return behaviour;
  }

  private configuredFor(referrerUserId: string): Configured | null {
    return this.perReferrer.get(referrerUserId) ?? this.defaults;
  }

  /** Outcomes scheduled and not yet due (tests, the demo). */
  get scheduled(): number {
    return this.pending.length;
  }

  /**
   * Makes happen, in time order, everything due by the clock's now: receipts and replies of the
   * messages sent, and the payments of enrolled referrals. Calls never overlap.
   */
  tick(): Promise<PopulationTick> {
    const run = this.serial.then(() => this.runTick());
    this.serial = run.catch(() => undefined);
    return run;
  }

  private onSent(item: OutboxItem): void {
    const b = this.configuredFor(item.referrerUserId);
    if (!b) return;
    // A target is one referrer × one referral: keyed by their stable names, not the target's id
    // (a random part of it differs from run to run), so a seed replays across runs.
    const key = [item.referrerUserId, item.to, item.day] as const;
    if (draw(b.seed, ...key, "delivered") >= b.delivered) return;
    const sentAt = item.sentAt.getTime();
    const deliveredAt = sentAt + drawDelay(...POPULATION_DELAYS.deliveredMs, b.seed, ...key, "delivered-after");
    this.schedule({ at: deliveredAt, kind: "receipt", messageId: item.messageId, status: "delivered" });
    if (draw(b.seed, ...key, "read") < b.read) {
      this.schedule({ at: deliveredAt + drawDelay(...POPULATION_DELAYS.readMs, b.seed, ...key, "read-after"), kind: "receipt", messageId: item.messageId, status: "read" });
    }
    if (draw(b.seed, ...key, "reply") < b.reply) {
      const text = POPULATION_REPLIES[Math.floor(draw(b.seed, ...key, "reply-text") * POPULATION_REPLIES.length)]!;
      this.schedule({ at: deliveredAt + drawDelay(...POPULATION_DELAYS.replyMs, b.seed, ...key, "reply-after"), kind: "reply", from: item.to, to: item.from, text });
    }
  }

  private schedule(event: Outcome): void {
    this.pending.push({ ...event, order: this.order++ });
  }

  private async runTick(): Promise<PopulationTick> {
    const now = this.deps.clock.now().getTime();
    const result: PopulationTick = { receipts: 0, replies: 0, paid: 0 };
    await this.discover(now);
    const days = Math.max(1, await this.deps.sequenceDays());

    type Step = { at: number; rank: number; run: () => Promise<void> | void };
    const steps: Step[] = [];
    const due = this.pending.filter((e) => e.at <= now);
    this.pending = this.pending.filter((e) => e.at > now);
    for (const event of due) {
      steps.push({
        at: event.at,
        rank: event.order,
        run: () => {
          if (event.kind === "receipt") {
            if (this.deps.transport.receipt(event.messageId, event.status, undefined, new Date(event.at))) result.receipts++;
          } else if (this.deps.transport.inbound(event.from, event.to, event.text) || this.deps.transport.inboundWhileOffline(event.from, event.to, event.text)) {
            result.replies++;
          }
        },
      });
    }
    for (const candidate of this.candidates.values()) {
      const b = this.configuredFor(candidate.referrerUserId);
      if (!b) continue;
      if (candidate.payAt?.seed !== b.seed || candidate.payAt.days !== days) candidate.payAt = { seed: b.seed, days, at: payInstant(candidate, b, days) };
      const at = candidate.payAt.at;
      if (at > now) continue;
      this.candidates.delete(candidate.targetId);
      if (at < b.since) continue;
      // A payment comes after the receipts of its instant (it reads them), in a stable order.
      steps.push({
        at,
        rank: Number.MAX_SAFE_INTEGER,
        run: async () => {
          await this.deps.settle?.();
          if (await this.pays(candidate, b, at)) result.paid++;
        },
      });
    }
    steps.sort((a, b) => a.at - b.at || a.rank - b.rank);
    for (const step of steps) await step.run();
    await this.deps.settle?.();
    return result;
  }

  /** Whether the referral pays at `at`: still in its sequence, then the draw against its probability. */
  private async pays(candidate: Candidate, b: PopulationBehaviour, at: number): Promise<boolean> {
    const target = await this.deps.targets.get(candidate.targetId);
    if (!target || !IN_LOOP.includes(target.status)) return false;
    const p = receivedBy(target, at) ? b.pay.messaged : b.pay.notMessaged;
    if (draw(b.seed, candidate.referralUserId, "pay") >= p) return false;
    await this.deps.pay(candidate.referralUserId);
    return true;
  }

  /**
   * New enrolled referrals (active or holdout) become candidates to pay. Target ids only grow, so
   * each tick reads on from the last full page it saw; a clock moved back (ids made then may sort
   * earlier) reads everything again.
   */
  private async discover(now: number): Promise<void> {
    if (now < this.lastDiscovery) this.resumeAfter = null;
    this.lastDiscovery = now;
    let after = this.resumeAfter;
    for (;;) {
      const page = await this.deps.targets.list({}, { limit: PAGE, after });
      for (const target of page.items) {
        if (this.seen.has(target.id)) continue;
        this.seen.add(target.id);
        if (!IN_LOOP.includes(target.status)) continue;
        this.candidates.set(target.id, {
          targetId: target.id,
          referralUserId: target.referralUserId,
          referrerUserId: target.referrerUserId,
          enteredLoopAt: target.enteredLoopAt.getTime(),
        });
      }
      if (page.nextCursor === null) return;
      this.resumeAfter = after = page.nextCursor;
    }
  }
}

/**
 * The payment instant of a referral: a day drawn uniformly over the sequence, a time drawn
 * uniformly within that day, counted from its entry in the loop — so always inside the sequence.
 */
export function payInstant(candidate: { referralUserId: string; enteredLoopAt: number }, b: PopulationBehaviour, days: number): number {
  const day = Math.min(days - 1, Math.floor(draw(b.seed, candidate.referralUserId, "pay-day") * days));
  return candidate.enteredLoopAt + day * DAY + drawDelay(0, DAY, b.seed, candidate.referralUserId, "pay-time");
}

/** A message counts as received once its `delivered` (or `read`) receipt is in, by `at`. */
function receivedBy(target: Target, at: number): boolean {
  return target.messagesDelivered.some((d) => (d.status === "delivered" || d.status === "read") && d.sentAt.getTime() <= at);
}
