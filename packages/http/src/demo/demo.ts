import type { Logger as Pino } from "pino";
import { sign } from "hono/jwt";
import { ClockScheduler, ManualClock } from "@relance/adapters";
import { API_PREFIX } from "../app/app.js";
import { loadConfig, type ServiceConfig } from "../config/env.js";
import { startService, type RunningService } from "../service.js";
import { DEMO_HOLDOUT_PERCENT, DEMO_MESSAGES, DEMO_POPULATION, DEMO_REFERRERS, demoReferrals, type DemoReferral } from "./demo-data.js";

const MINUTE = 60_000;

export class DemoRefusedError extends Error {
  readonly code = "demo_refused";
}

export interface DemoOptions {
  /** The environment (default `process.env`); the demo forces the sandbox, memory storage and its own clock. */
  env?: NodeJS.ProcessEnv;
  /** Open the HTTP listener (default true). */
  listen?: boolean;
  logger?: Pino;
  /** Simulated start (default today 06:00 UTC, before the send window opens). */
  start?: Date;
}

export interface Demo {
  service: RunningService;
  config: ServiceConfig;
  clock: ManualClock;
  startedAt: Date;
  /**
   * Moves simulated time to `until` in steps of `stepMs`, and at each step runs what is due: the
   * referrals that sign up then, the recipients' receipts, replies and payments, and the service's
   * own scheduled jobs (enrollment, dispatch, listening) on their cron patterns.
   */
  advanceTo(until: Date, stepMs?: number): Promise<void>;
  /** `GET /admin/stats`, as the console reads it. */
  stats(): Promise<any>;
  close(): Promise<void>;
}

/**
 * `npm run demo`'s world: the real service on the sandbox transport and memory storage, its jobs
 * scheduled on a manual clock that the caller moves (the demo's main moves it ~10 000× real time),
 * seeded through the HTTP API as the platform and an admin would. Never in production.
 */
export async function startDemo(options: DemoOptions = {}): Promise<Demo> {
  const source = options.env ?? process.env;
  if (source.NODE_ENV === "production") {
    throw new DemoRefusedError("npm run demo simulates WhatsApp and prints admin tokens: it refuses to run with NODE_ENV=production");
  }
  const config = loadConfig({
    NODE_ENV: "development",
    ...source,
    LOG_LEVEL: source.LOG_LEVEL ?? "warn",
    RELANCE_TRANSPORT: "sandbox",
    RELANCE_STORAGE: "memory",
    RELANCE_DIRECTORY: "stored",
    RELANCE_JOBS: "on",
  });
  const startedAt = options.start ?? todayAt6Utc();
  const clock = new ManualClock(startedAt);
  const scheduler = new ClockScheduler(clock);
  const service = await startService(config, { listen: options.listen ?? true, ...(options.logger ? { logger: options.logger } : {}), overrides: { clock, scheduler } });
  const world = service.sandbox!;

  const exp = () => Math.floor(Date.now() / 1000) + 12 * 3600;
  const adminToken = await sign({ sub: "demo-admin", role: "admin", exp: exp() }, config.secrets.jwt, "HS256");
  const call = async (method: string, path: string, body: unknown, auth: "service" | "admin" | { referrer: string } | null): Promise<any> => {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (auth === "service") Object.assign(headers, { authorization: `Bearer ${config.secrets.service}`, "x-service-name": "relance-demo" });
    else if (auth === "admin") headers.authorization = `Bearer ${adminToken}`;
    else if (auth) headers.authorization = `Bearer ${await sign({ sub: auth.referrer, exp: exp() }, config.secrets.jwt, "HS256")}`;
    const response = await service.app.request(`${API_PREFIX}${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const answer = (await response.json().catch(() => null)) as unknown;
    return { status: response.status, body: answer };
  };
  const must = async (method: string, path: string, body: unknown, auth: Parameters<typeof call>[3]) => {
    const answer = await call(method, path, body, auth);
    if (answer.status >= 300) throw new Error(`demo set-up: ${method} ${path} answered ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body;
  };

  for (const message of DEMO_MESSAGES) await must("POST", "/admin/messages", message, "admin");
  // The control group, where the holdout setting exists: the console's lift chart then fills too.
  await call("PATCH", "/admin/settings", { holdoutPercent: DEMO_HOLDOUT_PERCENT }, "admin");
  for (const referrer of DEMO_REFERRERS) {
    await must("POST", "/internal/subscriptions", { userId: referrer.userId, active: true, name: referrer.name, phone: referrer.phone }, "service");
    await must("POST", "/connect", {}, { referrer: referrer.userId });
    await must("POST", "/sandbox/link", { userId: referrer.userId, phone: referrer.phone }, null);
  }
  await must("POST", "/sandbox/population", DEMO_POPULATION, null);

  const waiting: DemoReferral[] = demoReferrals().sort((a, b) => a.signsUpAfterMs - b.signsUpAfterMs);
  const signUps = async () => {
    const now = clock.now().getTime();
    const due: DemoReferral[] = [];
    while (waiting.length > 0 && startedAt.getTime() + waiting[0]!.signsUpAfterMs <= now) due.push(waiting.shift()!);
    if (due.length === 0) return;
    await must(
      "POST",
      "/internal/referrals",
      due.map((r) => ({
        referrerId: r.referrerId,
        referral: { userId: r.userId, phone: r.phone, name: r.name, language: r.language, createdAt: new Date(startedAt.getTime() + r.signsUpAfterMs).toISOString(), paymentLink: `https://pay.example.com/r/${r.userId}` },
      })),
      "service",
    );
  };
  await signUps();

  let closed = false;
  let stepping: Promise<void> = Promise.resolve();
  const advanceTo = (until: Date, stepMs = 10 * MINUTE) => {
    const run = stepping.then(async () => {
      // The pacing sleeps of a dispatch move the manual clock on their own: never set it back.
      while (!closed && clock.now() < until) {
        clock.set(new Date(Math.min(clock.now().getTime() + stepMs, until.getTime())));
        await signUps();
        await world.population.tick();
        await scheduler.runDue();
        await service.engine.idle();
      }
    });
    stepping = run.catch(() => undefined);
    return run;
  };

  return {
    service,
    config,
    clock,
    startedAt,
    advanceTo,
    stats: async () => (await call("GET", "/admin/stats", undefined, "admin")).body,
    close: async () => {
      closed = true;
      await stepping;
      await service.close();
    },
  };
}

function todayAt6Utc(): Date {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), 6, 0, 0));
}
