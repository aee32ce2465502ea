import { Container } from "inversify";
import type { Logger as Pino } from "pino";
import { createRelanceEngine, type Clock, type Notifier, type Scheduler, type Transport } from "@relance/core";
import type { StorageBackend } from "@relance/adapters";
import {
  CronScheduler,
  HttpDirectory,
  LogNotifier,
  ManualClock,
  StoredDirectory,
  SystemClock,
  WebhookNotifier,
  sessionCipherFromEnv,
  type SandboxTransport,
} from "@relance/adapters";
import type { ServiceConfig } from "../config/env.js";
import { asCoreLogger } from "../observability/logger.js";
import { jobRunner } from "../observability/job-runs.js";
import { ServiceMetrics } from "../observability/metrics.js";
import { countingNotifier, timedTransport } from "../observability/observed-ports.js";
import { engineOptionsOf, newInstanceId } from "./engine-options.js";
import { composeService } from "./relance-service.js";
import { sandboxWorld } from "./sandbox-world.js";
import { createStorage } from "./storage.js";
import { TOKENS, type Token } from "./tokens.js";
import { createTransport } from "./transport.js";

export { contactKeyOf } from "./engine-options.js";

/** Replacements for tests and embedders (e.g. a storage they already opened). */
export interface ContainerOverrides {
  storage?: StorageBackend;
  clock?: Clock;
  transport?: Transport;
  notifier?: Notifier;
  /** Runs the jobs (the demo's runs them on simulated time); still wrapped for metrics and logs. */
  scheduler?: Scheduler;
}

/**
 * The composition root: every port bound to the adapter the configuration chooses, each with the
 * dependencies it is built from, so that the container resolves the graph (`getAsync`: the store
 * is initialised and the transport loaded on the way). `TOKENS.Service` is the whole service.
 * Nothing outside packages/http knows about inversify, and the core carries no decorator.
 */
export function buildContainer(config: ServiceConfig, logger: Pino, overrides: ContainerOverrides = {}): Container {
  const container = new Container({ defaultScope: "Singleton" });
  const bind = binder(container);

  container.bind(TOKENS.Config).toConstantValue(config);
  container.bind(TOKENS.Logger).toConstantValue(logger);
  bind(TOKENS.CoreLogger, [TOKENS.Logger], asCoreLogger);
  bind(TOKENS.InstanceId, [], newInstanceId);
  bind(TOKENS.Clock, [TOKENS.Config], (c) => overrides.clock ?? (c.RELANCE_TRANSPORT === "sandbox" ? new ManualClock(new Date()) : new SystemClock()));
  bind(TOKENS.Storage, [TOKENS.Config, TOKENS.CoreLogger], async (c, log) => {
    const storage = overrides.storage ?? createStorage(c, log);
    await storage.init();
    return storage;
  });
  bind(TOKENS.SessionCipher, [TOKENS.Config], (c) => sessionCipherFromEnv(c.secrets.session));
  bind(TOKENS.DirectoryFeed, [TOKENS.Config, TOKENS.Storage, TOKENS.Clock], (c, storage, clock) =>
    c.RELANCE_DIRECTORY === "stored" ? new StoredDirectory(storage.directory, clock, { exitedUsers: storage.exitedUsers }) : null,
  );
  bind(TOKENS.Directory, [TOKENS.Config, TOKENS.DirectoryFeed, TOKENS.CoreLogger], (c, feed, log) =>
    feed ?? new HttpDirectory({ baseUrl: c.USER_SERVICE_URL!, serviceSecret: c.secrets.directory, logger: log, defaultCountry: c.RELANCE_DEFAULT_COUNTRY ?? null }),
  );
  bind(TOKENS.Metrics, [TOKENS.Storage], (storage) => new ServiceMetrics(storage));
  bind(TOKENS.NotifierAdapter, [TOKENS.Config, TOKENS.CoreLogger], (c, log) =>
    overrides.notifier ??
    (c.RELANCE_NOTIFY_WEBHOOK_URL ? new WebhookNotifier({ url: c.RELANCE_NOTIFY_WEBHOOK_URL, secret: c.secrets.webhook, logger: log }) : new LogNotifier(log)),
  );
  bind(TOKENS.Notifier, [TOKENS.NotifierAdapter, TOKENS.Metrics], countingNotifier);
  bind(TOKENS.JobTimer, [TOKENS.CoreLogger], (log) => overrides.scheduler ?? new CronScheduler(log));
  bind(TOKENS.Scheduler, [TOKENS.JobTimer, TOKENS.Metrics, TOKENS.Logger], (timer, metrics, log): Scheduler => {
    const runJob = jobRunner(metrics, log);
    return { schedule: (name, pattern, task) => timer.schedule(name, pattern, () => runJob(name, task)) };
  });
  bind(TOKENS.Transport, [TOKENS.Config, TOKENS.Storage, TOKENS.Clock, TOKENS.SessionCipher, TOKENS.CoreLogger, TOKENS.InstanceId], (c, storage, clock, cipher, log, instanceId) =>
    overrides.transport ?? createTransport({ config: c, storage, clock, cipher, logger: log, instanceId }),
  );
  bind(TOKENS.EngineOptions, [TOKENS.Config, TOKENS.InstanceId, TOKENS.Transport], engineOptionsOf);
  bind(
    TOKENS.Engine,
    [TOKENS.Storage, TOKENS.Directory, TOKENS.Transport, TOKENS.Metrics, TOKENS.Clock, TOKENS.Notifier, TOKENS.Scheduler, TOKENS.CoreLogger, TOKENS.EngineOptions],
    (storage, directory, transport, metrics, clock, notifier, scheduler, log, options) =>
      // Sends timed for the metrics; the routes keep the transport itself.
      createRelanceEngine({ storage, directory, transport: timedTransport(transport, metrics), clock, notifier, scheduler, logger: log, options }),
  );
  bind(TOKENS.SandboxWorld, [TOKENS.Transport, TOKENS.Clock, TOKENS.Engine, TOKENS.Storage], (transport, clock, engine, storage) =>
    // The sandbox transport runs on the container's clock, a ManualClock (above).
    transport.name === "sandbox" ? sandboxWorld(transport as SandboxTransport, clock as ManualClock, engine, storage) : null,
  );
  bind(
    TOKENS.Service,
    [TOKENS.Config, TOKENS.Logger, TOKENS.Engine, TOKENS.Storage, TOKENS.Transport, TOKENS.Metrics, TOKENS.SessionCipher, TOKENS.Directory, TOKENS.DirectoryFeed, TOKENS.SandboxWorld],
    (c, log, engine, storage, transport, metrics, cipher, directory, directoryFeed, sandbox) =>
      composeService({ config: c, logger: log, engine, storage, transport, metrics, cipher, directory, directoryFeed, sandbox }),
  );
  return container;
}

/** `resolved(container, token)`: the typed form of `container.getAsync`. */
export function resolved<T>(container: Container, token: Token<T>): Promise<T> {
  return container.getAsync<T>(token);
}

/**
 * Binds `token` to what `factory` builds from the services `deps` name, in order: the typecheck
 * matches each parameter with its token's type, inversify resolves them (singletons by default).
 */
function binder(container: Container) {
  return <T, A extends unknown[]>(token: Token<T>, deps: readonly [...{ [K in keyof A]: Token<A[K]> }], factory: (...args: A) => T | Promise<T>): void => {
    container.bind<T>(token).toResolvedValue(factory as (...args: unknown[]) => T | Promise<T>, deps as never);
  };
}
