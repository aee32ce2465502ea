import { createHmac } from "node:crypto";
import "reflect-metadata";
import { Container } from "inversify";
import type { Logger as Pino } from "pino";
import {
  createRelanceEngine,
  type Clock,
  type Directory,
  type Notifier,
  type RelanceEngine,
  type RelanceStorage,
  type Scheduler,
  type Transport,
} from "@relance/core";
import {
  CronScheduler,
  HttpDirectory,
  LogNotifier,
  ManualClock,
  StoredDirectory,
  SystemClock,
  WebhookNotifier,
  sessionCipherFromEnv,
  type SessionCipher,
} from "@relance/adapters";
import { sendWindowOf, type ServiceConfig } from "../config/env.js";
import { asCoreLogger } from "../observability/logger.js";
import { jobRunner } from "../observability/job-runs.js";
import { ServiceMetrics } from "../observability/metrics.js";
import { countingNotifier, timedTransport } from "../observability/observed-ports.js";
import { createStorage } from "./storage.js";
import { TOKENS } from "./tokens.js";
import { createTransport } from "./transport.js";

/** Replacements for tests and embedders (e.g. a storage they already opened). */
export interface ContainerOverrides {
  storage?: RelanceStorage;
  clock?: Clock;
  transport?: Transport;
  notifier?: Notifier;
  /** Runs the jobs (the demo's runs them on simulated time); still wrapped for metrics and logs. */
  scheduler?: Scheduler;
}

/**
 * The composition root: every port bound to the adapter the configuration chooses. Nothing
 * outside packages/http knows about inversify.
 */
export async function buildContainer(config: ServiceConfig, logger: Pino, overrides: ContainerOverrides = {}): Promise<Container> {
  const container = new Container({ defaultScope: "Singleton" });
  const instanceId = `${process.env.HOSTNAME ?? "relance"}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const coreLogger = asCoreLogger(logger);

  container.bind<ServiceConfig>(TOKENS.Config).toConstantValue(config);
  container.bind<Pino>(TOKENS.Logger).toConstantValue(logger);
  container.bind<Clock>(TOKENS.Clock).toConstantValue(
    overrides.clock ?? (config.RELANCE_TRANSPORT === "sandbox" ? new ManualClock(new Date()) : new SystemClock()),
  );
  container.bind<RelanceStorage>(TOKENS.Storage).toConstantValue(overrides.storage ?? createStorage(config, coreLogger));
  container.bind<SessionCipher>(TOKENS.SessionCipher).toDynamicValue(() => sessionCipherFromEnv(config.secrets.session));
  container.bind<StoredDirectory | null>(TOKENS.DirectoryFeed).toDynamicValue((ctx) =>
    config.RELANCE_DIRECTORY === "stored" ? new StoredDirectory(ctx.get<RelanceStorage>(TOKENS.Storage).directory, ctx.get<Clock>(TOKENS.Clock)) : null,
  );
  container.bind<Directory>(TOKENS.Directory).toDynamicValue((ctx) =>
    config.RELANCE_DIRECTORY === "stored"
      ? ctx.get<StoredDirectory>(TOKENS.DirectoryFeed)
      : new HttpDirectory({ baseUrl: config.USER_SERVICE_URL!, serviceSecret: config.secrets.directory, logger: coreLogger, defaultCountry: config.RELANCE_DEFAULT_COUNTRY ?? null }),
  );
  container.bind<Notifier>(TOKENS.Notifier).toDynamicValue((ctx) =>
    countingNotifier(
      overrides.notifier ??
        (config.RELANCE_NOTIFY_WEBHOOK_URL
          ? new WebhookNotifier({ url: config.RELANCE_NOTIFY_WEBHOOK_URL, secret: config.secrets.webhook, logger: coreLogger })
          : new LogNotifier(coreLogger)),
      ctx.get<ServiceMetrics>(TOKENS.Metrics),
    ),
  );
  container.bind<ServiceMetrics>(TOKENS.Metrics).toDynamicValue((ctx) => new ServiceMetrics(ctx.get<RelanceStorage>(TOKENS.Storage)));
  container.bind<Scheduler>(TOKENS.Scheduler).toDynamicValue((ctx) => {
    const cron = overrides.scheduler ?? new CronScheduler(coreLogger);
    const runJob = jobRunner(ctx.get<ServiceMetrics>(TOKENS.Metrics), logger);
    return { schedule: (name, pattern, task) => cron.schedule(name, pattern, () => runJob(name, task)) };
  });
  const transport =
    overrides.transport ??
    (await createTransport({
      config,
      storage: container.get<RelanceStorage>(TOKENS.Storage),
      clock: container.get<Clock>(TOKENS.Clock),
      cipher: container.get<SessionCipher>(TOKENS.SessionCipher),
      logger: coreLogger,
      instanceId,
    }));
  container.bind<Transport>(TOKENS.Transport).toConstantValue(transport);
  container.bind<RelanceEngine>(TOKENS.Engine).toDynamicValue((ctx) =>
    createRelanceEngine({
      storage: ctx.get<RelanceStorage>(TOKENS.Storage),
      directory: ctx.get<Directory>(TOKENS.Directory),
      // Sends timed for the metrics; the routes keep the transport itself.
      transport: timedTransport(ctx.get<Transport>(TOKENS.Transport), ctx.get<ServiceMetrics>(TOKENS.Metrics)),
      clock: ctx.get<Clock>(TOKENS.Clock),
      notifier: ctx.get<Notifier>(TOKENS.Notifier),
      scheduler: ctx.get<Scheduler>(TOKENS.Scheduler),
      logger: coreLogger,
      options: {
        instanceId,
        // A transport that can hold only so many sessions (whatsapp-web.js: one Chromium each)
        // never gets more senders at once than that.
        maxConcurrentSenders: Math.min(config.RELANCE_MAX_CONCURRENT_SESSIONS, transport.capabilities.maxSessions ?? Infinity),
        messageDelayMs: config.RELANCE_MESSAGE_DELAY_MS,
        messageJitterMs: config.RELANCE_MESSAGE_JITTER_MS,
        typingMs: config.RELANCE_TYPING_MS.min,
        typingMaxMs: config.RELANCE_TYPING_MS.max,
        maxMessagesPerDay: config.RELANCE_MAX_MESSAGES_PER_DAY,
        dailyCapRampUp: config.RELANCE_DAILY_CAP_RAMP_UP,
        maxFirstContactsPerDay: config.RELANCE_MAX_FIRST_CONTACTS_PER_DAY,
        firstContactGapMinMs: config.RELANCE_FIRST_CONTACT_GAP_MS.min,
        firstContactGapMaxMs: config.RELANCE_FIRST_CONTACT_GAP_MS.max,
        dayStartSpreadMs: config.RELANCE_DAY_START_SPREAD_MS,
        senderHealth: config.RELANCE_SENDER_HEALTH === "on",
        healthDegradedBelow: config.RELANCE_HEALTH_DEGRADED_BELOW,
        healthAtRiskBelow: config.RELANCE_HEALTH_AT_RISK_BELOW,
        healthDeliveredAfterMs: config.RELANCE_HEALTH_DELIVERED_AFTER_MS,
        healthCoolDownMs: config.RELANCE_HEALTH_COOL_DOWN_MS,
        inboxCron: config.RELANCE_INBOX_CRON,
        defaultTimezone: config.RELANCE_DEFAULT_TIMEZONE,
        defaultSendWindow: sendWindowOf(config),
        retentionDays: config.RELANCE_RETENTION_DAYS,
        contactKey: contactKeyOf(config.secrets.contactKey),
      },
    }),
  );
  return container;
}

/**
 * The do-not-contact list's key for a number: HMAC-SHA256 under RELANCE_CONTACT_KEY_SECRET, so
 * that the list (opt-outs, erasure tombstones) holds no number a copy of the database could read,
 * nor one that can be brute-forced without the secret.
 */
export function contactKeyOf(secret: string): (phone: string) => string {
  return (phone) => `h1:${createHmac("sha256", secret).update(phone).digest("base64url")}`;
}
