import type { Logger as Pino } from "pino";
import type { Clock, Directory, Logger, Notifier, RelanceEngine, RelanceOptions, Scheduler, Transport } from "@relance/core";
import type { StorageBackend } from "@relance/adapters";
import type { SessionCipher, StoredDirectory } from "@relance/adapters";
import type { ServiceConfig } from "../config/env.js";
import type { ServiceMetrics } from "../observability/metrics.js";
import type { SandboxWorld } from "./sandbox-world.js";
import type { ComposedService } from "./relance-service.js";

declare const bound: unique symbol;

/**
 * A service identifier that carries the type bound to it: `resolvedFrom` checks each factory's
 * parameters against the tokens it lists, so a miswired dependency fails the typecheck, not the
 * first request. (At run time it is a plain symbol, which is all inversify sees.)
 */
export type Token<T> = symbol & { readonly [bound]?: T };

function token<T>(name: string): Token<T> {
  return Symbol.for(`relance.${name}`) as Token<T>;
}

/** Service identifiers of the composition root. */
export const TOKENS = {
  Config: token<ServiceConfig>("Config"),
  Logger: token<Pino>("Logger"),
  /** The same logger behind the core's Logger port. */
  CoreLogger: token<Logger>("CoreLogger"),
  /** This process among the instances sharing a store (leases, claims). */
  InstanceId: token<string>("InstanceId"),
  Clock: token<Clock>("Clock"),
  /** The store, initialised (schema, indexes) before anything receives it. */
  Storage: token<StorageBackend>("Storage"),
  SessionCipher: token<SessionCipher>("SessionCipher"),
  /** The stored directory the `/internal` pushes feed; null with the pull directory. */
  DirectoryFeed: token<StoredDirectory | null>("DirectoryFeed"),
  Directory: token<Directory>("Directory"),
  Metrics: token<ServiceMetrics>("Metrics"),
  /** The configured notifier (webhook or log) … */
  NotifierAdapter: token<Notifier>("NotifierAdapter"),
  /** … counted for the metrics: what the engine gets. */
  Notifier: token<Notifier>("Notifier"),
  /** The timer that fires the jobs (croner, or the demo's simulated time) … */
  JobTimer: token<Scheduler>("JobTimer"),
  /** … with each run timed and logged: what the engine gets. */
  Scheduler: token<Scheduler>("Scheduler"),
  Transport: token<Transport>("Transport"),
  EngineOptions: token<Partial<RelanceOptions>>("EngineOptions"),
  Engine: token<RelanceEngine>("Engine"),
  /** The simulated world behind `/sandbox/*`; null unless the transport is the sandbox. */
  SandboxWorld: token<SandboxWorld | null>("SandboxWorld"),
  /** Everything assembled: the HTTP app over the engine, with its lifecycle. */
  Service: token<ComposedService>("Service"),
} as const;
