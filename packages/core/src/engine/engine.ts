import type { ExitReason } from "../model/target.js";
import type { ReferrerConfigPatch } from "../model/referrer-config.js";
import type { MessageInput } from "../policies/message-validation.js";
import { SenderPacer } from "../policies/pacing.js";
import type { Clock } from "../ports/clock.js";
import type { Directory } from "../ports/directory.js";
import { silentLogger, type Logger } from "../ports/logger.js";
import type { Notifier } from "../ports/notifier.js";
import type { ScheduledJob, Scheduler } from "../ports/scheduler.js";
import type { RelanceStorage } from "../ports/storage.js";
import type { Transport, TransportEvent } from "../ports/transport.js";
import { updateConfig } from "../use-cases/config.js";
import { connect, disconnect, type ConnectInput } from "../use-cases/connect.js";
import { runDispatch, type DispatchResult } from "../dispatch/dispatch.js";
import { runEnrollment, type EnrollmentResult } from "../use-cases/enrollment.js";
import { runListen, type ListenResult } from "../use-cases/listen.js";
import { exitUser } from "../use-cases/exit-user.js";
import { eraseUser, runRetention, type RetentionResult } from "../use-cases/data-retention.js";
import { handleInbound, type InboundMessage } from "../use-cases/inbound.js";
import { deleteMessage, listMessages, previewMessage, replaceMessage, upsertMessage, type PreviewInput } from "../use-cases/messages.js";
import { handleReceipt, type Receipt } from "../use-cases/receipts.js";
import { globalStats, referrerStats } from "../use-cases/stats.js";
import { getSettings, updateSettings } from "../use-cases/settings.js";
import { completeEndedHoldouts } from "../use-cases/holdout.js";
import type { Settings } from "../model/settings.js";
import { noteRestriction } from "../use-cases/sender-holds.js";
import { applyLinkState } from "../use-cases/link-state.js";
import { getStatus } from "../use-cases/status.js";
import { listSenders } from "../use-cases/senders.js";
import { listTargets, searchTargets, type ListTargetsInput } from "../use-cases/targets.js";
import { dayFunnel } from "../use-cases/day-funnel.js";
import type { EngineContext } from "./context.js";
import { EarlyReceipts } from "./early-receipts.js";
import { KeyedQueue } from "./keyed-queue.js";
import { EngineEvents, type EngineEvent } from "./events.js";
import { timeOrderedIds } from "./ids.js";
import { senderConcurrency } from "./concurrency.js";
import { PendingWork } from "./pending-work.js";
import { resolveOptions, type DeprecatedOptions, type RelanceOptions } from "./options.js";
import { SenderDrives } from "./sender-drives.js";
import { UnsettledWrites } from "./unsettled-writes.js";

export interface RelanceEngineDependencies {
  storage: RelanceStorage;
  directory: Directory;
  transport: Transport;
  clock: Clock;
  notifier: Notifier;
  logger?: Logger;
  /** Needed by `start()` only. */
  scheduler?: Scheduler;
  options?: Partial<RelanceOptions> & DeprecatedOptions;
  /** Source of randomness for jitter and ids (tests pass a seeded one). */
  random?: () => number;
}



/**
 * The relance loop, built from its ports. Embed it in any service: call the use cases directly,
 * or `start()` to run enrollment and dispatch on the scheduler. Transport events (link changes,
 * replies, receipts) are handled from construction until `stop()`.
 */
export class RelanceEngine {
  readonly options: RelanceOptions;
  private readonly ctx: EngineContext;
  private readonly scheduler: Scheduler | undefined;
  private readonly jobs: ScheduledJob[] = [];
  /** The latest run of each job, which a call joins. */
  private readonly running = new Map<string, Promise<unknown>>();
  /** Every run still going, by job (dispatch runs may overlap), which stopping waits for. */
  private readonly runs = new PendingWork();
  /** The dispatch run still settling, recovering or listing its senders, if any. */
  private dispatchListing: object | null = null;
  /** Transport events being handled, by type: `idle()` and stopping wait for them. */
  private readonly handling = new PendingWork();
  private unsubscribeTransport: (() => void) | null = null;

  constructor(deps: RelanceEngineDependencies) {
    const random = deps.random ?? Math.random;
    const newId = timeOrderedIds(deps.clock, random);
    this.options = resolveOptions(deps.options ?? {}, `relance-${newId()}`);
    this.scheduler = deps.scheduler;
    this.ctx = {
      storage: deps.storage,
      directory: deps.directory,
      transport: deps.transport,
      clock: deps.clock,
      notifier: deps.notifier,
      logger: deps.logger ?? silentLogger,
      options: this.options,
      random,
      newId,
      pacer: new SenderPacer(
        {
          delayMs: this.options.messageDelayMs,
          jitterMs: this.options.messageJitterMs,
          firstContactMinMs: this.options.firstContactGapMinMs,
          firstContactMaxMs: this.options.firstContactGapMaxMs,
          dayStartSpreadMs: this.options.dayStartSpreadMs,
        },
        random,
      ),
      drives: new SenderDrives(() => senderConcurrency(this.options.maxConcurrentSenders, deps.transport.capabilities.maxSessions)),
      inFlight: new PendingWork(),
      pendingInbound: new PendingWork(),
      events: new EngineEvents(),
      unsettled: new UnsettledWrites(),
      earlyReceipts: new EarlyReceipts(),
      linkWrites: new KeyedQueue(),
    };
    this.listenToTransport();
  }

  // Referrer side
  connect(referrerUserId: string, input: ConnectInput = {}) {
    return connect(this.ctx, referrerUserId, input);
  }
  disconnect(referrerUserId: string, options: { logout?: boolean } = {}) {
    return disconnect(this.ctx, referrerUserId, options);
  }
  status(referrerUserId: string) {
    return getStatus(this.ctx, referrerUserId);
  }
  updateConfig(referrerUserId: string, patch: ReferrerConfigPatch) {
    return updateConfig(this.ctx, referrerUserId, patch);
  }
  listTargets(referrerUserId: string, input: ListTargetsInput = {}) {
    return listTargets(this.ctx, referrerUserId, input);
  }
  stats(referrerUserId: string) {
    return referrerStats(this.ctx, referrerUserId);
  }

  // Admin side
  readonly messages = {
    list: () => listMessages(this.ctx),
    upsert: (input: MessageInput) => upsertMessage(this.ctx, input),
    replace: (dayNumber: number, input: Omit<MessageInput, "dayNumber">) => replaceMessage(this.ctx, dayNumber, input),
    delete: (dayNumber: number) => deleteMessage(this.ctx, dayNumber),
    preview: (input: PreviewInput) => previewMessage(this.ctx, input),
  };
  globalStats() {
    return globalStats(this.ctx);
  }
  /** Every referrer's targets (or one's, with `referrerUserId`), by pages: the admin console's search. */
  searchTargets(input: ListTargetsInput & { referrerUserId?: string } = {}) {
    return searchTargets(this.ctx, input);
  }
  /** Enrolled, then how many targets got each day's message: the admin console's funnel. */
  dayFunnel(filter: { referrerUserId?: string } = {}) {
    return dayFunnel(this.ctx, filter);
  }
  /** Service-wide settings (the holdout share). */
  readonly settings = {
    get: () => getSettings(this.ctx),
    update: (patch: Partial<Settings>) => updateSettings(this.ctx, patch),
  };
  /** Linked senders with their status and health, at risk first (admin console). */
  senders(limit = 500) {
    return listSenders(this.ctx, limit);
  }

  // Platform side
  exitUser(userId: string, reason: ExitReason = "paid") {
    return exitUser(this.ctx, userId, reason);
  }
  /** GDPR erasure of a person's data everywhere (the do-not-contact hash stays). */
  /** `phones`: numbers the caller knows the person by, kept (hashed) on the do-not-contact list. */
  eraseUser(userId: string, options: { phones?: readonly string[] } = {}) {
    return eraseUser(this.ctx, userId, options);
  }
  handleInbound(message: InboundMessage) {
    return handleInbound(this.ctx, message);
  }
  handleReceipt(receipt: Receipt) {
    return handleReceipt(this.ctx, receipt);
  }

  // Jobs. A call while the same job runs in this process joins that run instead of starting a
  // second one alongside it (the HTTP trigger and the schedule share one run).
  runEnrollment(): Promise<EnrollmentResult> {
    return this.joinOrStart("enrollment", () => runEnrollment(this.ctx));
  }
  runDispatch(): Promise<DispatchResult> {
    return this.joinOrStart("dispatch", () => this.dispatchRun());
  }
  /** The listen job: brings up the sessions of referrers with active targets so their replies are read. */
  runListen(): Promise<ListenResult> {
    return this.joinOrStart("listen", () => runListen(this.ctx));
  }

  /** Purges the contacts of targets ended more than `retentionDays` ago. */
  runRetention(): Promise<RetentionResult> {
    return this.joinOrStart("retention", () => runRetention(this.ctx));
  }

  /** Subscribes to status changes and new QR codes (all referrers). Returns the unsubscribe function. */
  subscribe(listener: (event: EngineEvent) => void): () => void {
    return this.ctx.events.subscribe(listener);
  }

  /**
   * Schedules enrollment, dispatch, the listen job and retention. A tick finding the previous run
   * of its job still going is skipped — except dispatch's once that run only paces its senders
   * (see `dispatchTick`).
   */
  start(): void {
    if (!this.scheduler) throw new Error("RelanceEngine.start() needs a scheduler");
    if (this.jobs.length > 0) return;
    this.listenToTransport();
    this.jobs.push(
      this.scheduler.schedule("enrollment", this.options.enrollmentCron, () => this.tick("enrollment", () => this.runEnrollment())),
      this.scheduler.schedule("dispatch", this.options.dispatchCron, () => this.dispatchTick()),
      this.scheduler.schedule("listen", this.options.listenCron, () => this.tick("listen", () => this.runListen())),
      this.scheduler.schedule("retention", this.options.retentionCron, () => this.tick("retention", () => this.runRetention())),
    );
    this.ctx.logger.info({ instanceId: this.options.instanceId }, "relance jobs started");
  }

  /**
   * Stops the jobs and waits for their runs in flight (a send already leaving finishes), while
   * transport events are still handled. A shutdown calls it, then closes the transport (whose
   * sessions may surface messages while closing), then `stop()`.
   */
  async stopJobs(): Promise<void> {
    for (const job of this.jobs.splice(0)) job.stop();
    await this.runs.settledAll();
  }

  /** Stops the jobs and stops listening to the transport, waiting for runs and event handlers in flight. */
  async stop(): Promise<void> {
    await this.stopJobs();
    this.unsubscribeTransport?.();
    this.unsubscribeTransport = null;
    await this.runs.settledAll();
    await this.handling.settledAll();
  }

  /** A scheduled tick: skipped (null) while the previous run of the job is still going. */
  private async tick<T>(job: string, run: () => Promise<T>): Promise<T | null> {
    if (this.running.has(job)) {
      this.ctx.logger.info({ job }, "previous run still going: tick skipped");
      return null;
    }
    try {
      return await run();
    } catch (error) {
      this.ctx.logger.error({ job, err: String(error) }, "job run failed");
      return null;
    }
  }

  /**
   * The dispatch job's tick. A paced sender's batch lasts long (25 first contacts 45-120 s apart:
   * about 35 min); were the ticks skipped meanwhile, every sender whose day starts during it
   * would start when the run ends, in steps of a run's length. So once the runs going have listed
   * their senders and only drive them, a tick starts another run alongside: it skips the senders
   * this process drives already (`SenderDrives`) and starts the others at their own day start.
   * Claims, reservations and leases are untouched: each run is what a second process would be.
   * A tick while a run still settles, recovers or lists is skipped (it would do the same work).
   */
  private async dispatchTick(): Promise<DispatchResult | null> {
    if (this.dispatchListing !== null) {
      this.ctx.logger.info({ job: "dispatch" }, "previous run still listing: tick skipped");
      return null;
    }
    try {
      return await this.startRun("dispatch", () => this.dispatchRun());
    } catch (error) {
      this.ctx.logger.error({ job: "dispatch", err: String(error) }, "job run failed");
      return null;
    }
  }

  /** One dispatch run. Held-out targets whose sequence ended complete first: they are no part of the dispatch itself. */
  private async dispatchRun(): Promise<DispatchResult> {
    const listing = {};
    this.dispatchListing = listing;
    const listed = () => {
      if (this.dispatchListing === listing) this.dispatchListing = null;
    };
    try {
      await completeEndedHoldouts(this.ctx);
      return await runDispatch(this.ctx, { onListed: listed });
    } finally {
      listed();
    }
  }

  private joinOrStart<T>(job: string, start: () => Promise<T>): Promise<T> {
    const existing = this.running.get(job);
    if (existing) return existing as Promise<T>;
    return this.startRun(job, start);
  }

  /** Starts a run of `job`, the one later calls join until it ends. */
  private startRun<T>(job: string, start: () => Promise<T>): Promise<T> {
    const run: Promise<T> = start().finally(() => {
      if (this.running.get(job) === run) this.running.delete(job);
    });
    this.running.set(job, run);
    return this.runs.track(job, run);
  }

  /** Resolves once every transport event received so far has been handled (tests, shutdown). */
  async idle(): Promise<void> {
    await this.handling.settledAll();
  }

  private listenToTransport(): void {
    if (this.unsubscribeTransport) return;
    this.unsubscribeTransport = this.ctx.transport.subscribe((event) => {
      const outcome = this.onTransportEvent(event);
      const handled = outcome.catch((error) => {
        this.ctx.logger.error({ eventType: event.type, err: String(error) }, "transport event handling failed");
      });
      this.handling.track(event.type, handled);
      if (event.type === "inbound") this.ctx.pendingInbound.track(event.referrerUserId, handled);
      // The acknowledgement of an inbound message: the transport forgets it only once stored
      // (a rejection leaves it in the transport's journal, handed over again on the next ready).
      return event.type === "inbound" ? outcome : undefined;
    });
  }

  private async onTransportEvent(event: TransportEvent): Promise<void> {
    switch (event.type) {
      case "link": {
        const config = await applyLinkState(this.ctx, event.referrerUserId, event.state);
        if (event.state.restriction) await noteRestriction(this.ctx, config, event.state.restriction);
        return;
      }
      case "inbound":
        await handleInbound(this.ctx, { referrerUserId: event.referrerUserId, from: event.from, text: event.text });
        return;
      case "receipt":
        await handleReceipt(this.ctx, { messageId: event.messageId, status: event.status, at: event.at, ...(event.error ? { error: event.error } : {}) });
        return;
    }
  }
}

export function createRelanceEngine(deps: RelanceEngineDependencies): RelanceEngine {
  return new RelanceEngine(deps);
}
